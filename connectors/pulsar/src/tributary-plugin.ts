import type { TributaryPlugin } from '@tributary/core';
import { pulsarSourcePlugin } from './source/pulsar-source-plugin.js';

/** The Pulsar connector for declarative pipelines (`connector: pulsar`, see `@tributary/cli`). */
export const tributaryPlugin: TributaryPlugin = {
  name: 'pulsar',
  description: 'Apache Pulsar: all four subscription types exactly-once, topic patterns with discovery',
  source: pulsarSourcePlugin,
};
