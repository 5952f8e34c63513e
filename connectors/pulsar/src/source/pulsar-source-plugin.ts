import type { SourcePlugin } from '@tributary/core';
import { createPulsarClient } from '../pulsar-connection-options.js';
import { valueOnly } from './pulsar-message-deserializer.js';
import { PulsarSource } from './pulsar-source.js';
import { PulsarSourceOptions, type ResolvedPulsarSourceOptions } from './pulsar-source-options.js';
import { PulsarTopicDiscoverer } from './pulsar-topic-discoverer.js';

/** The source side of the `pulsar` connector plugin (declarative pipelines, `@tributary/cli`). */
export const pulsarSourcePlugin: SourcePlugin = {
  options: PulsarSourceOptions,
  format: 'message',
  guarantee:
    'exactly-once (Exclusive/Failover: message ids in checkpoints; Shared/Key_Shared: ack transactions)',
  create(options, format) {
    if (!format?.deserializer) throw new Error(`format '${format?.name}' cannot read Pulsar messages`);
    return new PulsarSource(options as ResolvedPulsarSourceOptions, valueOnly(format.deserializer));
  },
  /** `tributary validate`: connects and checks that the topics (or pattern) name something to read. */
  async check(options) {
    const o = options as ResolvedPulsarSourceOptions;
    const client = createPulsarClient(o);
    try {
      const partitions = await new PulsarTopicDiscoverer(client, o.topics, o.topicPattern).discover();
      if (partitions.length === 0)
        throw new Error(`no topic matches ${o.topicPattern ?? o.topics?.join(', ')}`);
      return `${partitions.length} partition(s) to read`;
    } finally {
      await client.close();
    }
  },
};
