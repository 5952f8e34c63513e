import { defineOptions, silentLogger, type TributaryPlugin } from '@tributary/core';
import { z } from 'zod';
import { createKafkaClient } from './client/kafka-client.js';
import type { KafkaConnectionOptions } from './client/kafka-client-options.js';
import { kafkaRecordSerializer } from './sink/kafka-record-serializer.js';
import { KafkaSink } from './sink/kafka-sink.js';
import { KafkaSinkOptions, type ResolvedKafkaSinkOptions } from './sink/kafka-sink-options.js';
import { valueOnly } from './source/kafka-record-deserializer.js';
import { KafkaSource } from './source/kafka-source.js';
import { KafkaSourceOptions, type ResolvedKafkaSourceOptions } from './source/kafka-source-options.js';

/** `sink.options` of a pipeline file: the sink's options plus the topic every record goes to. */
const pipelineSinkOptions = defineOptions(
  KafkaSinkOptions.component,
  (KafkaSinkOptions.schema as unknown as z.ZodObject).safeExtend({
    topic: z.string().min(1).describe('Topic the records are written to (values through the format).'),
  }),
);

type PipelineSinkOptions = ResolvedKafkaSinkOptions & { topic: string };

/** Connects with the admin client and checks that the topics exist (`tributary validate`). */
async function checkTopics(options: KafkaConnectionOptions, topics: readonly string[]): Promise<undefined> {
  const admin = createKafkaClient(
    { ...options, clientId: `${options.clientId}-validate` },
    silentLogger,
  ).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) throw new Error(`topic(s) ${missing.join(', ')} do not exist`);
    return undefined;
  } finally {
    await admin.disconnect();
  }
}

/** The Kafka connector for declarative pipelines (`connector: kafka`, see `@tributary/cli`). */
export const tributaryPlugin: TributaryPlugin = {
  name: 'kafka',
  description: 'Apache Kafka: partitioned source with offsets in checkpoints, transactional sink',
  source: {
    options: KafkaSourceOptions,
    format: 'message',
    guarantee: 'exactly-once (offsets in checkpoints)',
    create(options, format) {
      if (!format?.deserializer) throw new Error(`format '${format?.name}' cannot read Kafka messages`);
      return new KafkaSource(options as ResolvedKafkaSourceOptions, valueOnly(format.deserializer));
    },
    check: (options) => {
      const o = options as ResolvedKafkaSourceOptions;
      return checkTopics(o, o.topics ?? []);
    },
  },
  sink: {
    options: pipelineSinkOptions,
    format: 'message',
    guarantee: 'exactly-once (transactions); at-least-once; none',
    create(options, format) {
      if (!format?.serializer) throw new Error(`format '${format?.name}' cannot write Kafka messages`);
      const { topic, ...rest } = options as PipelineSinkOptions;
      return new KafkaSink(rest, kafkaRecordSerializer({ topic, value: format.serializer }));
    },
    check: (options) => {
      const o = options as PipelineSinkOptions;
      return checkTopics(o, [o.topic]);
    },
  },
};
