import { createJsonLogger } from '@tributary/core';
import { KAFKA_VERSION, resolveMavenArtifacts } from '@tributary/e2e';
import { kafkaToolsArtifacts } from './flink-artifacts.js';

console.log(
  await resolveMavenArtifacts(kafkaToolsArtifacts(KAFKA_VERSION), {
    logger: createJsonLogger({ level: 'info' }),
  }),
);
