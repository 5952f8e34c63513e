import type { WriterInitContext } from '@tributary/core';
import { toError } from '@tributary/core';
import { createKafkaClient } from '../client/kafka-client.js';
import { wrapKafkaError } from '../client/kafka-errors.js';
import { createCluster, type KafkaJsCluster } from '../client/kafkajs-internals.js';
import { KafkaMessageConverter } from './kafka-message-converter.js';
import { KafkaProducerFactory } from './kafka-producer-factory.js';
import type { KafkaRecordSerializer } from './kafka-record-serializer.js';
import type { ResolvedKafkaSinkOptions } from './kafka-sink-options.js';

/** What every Kafka writer holds: one cluster (connections), the producer factory and the converter. */
export interface KafkaWriterResources<T> {
  readonly cluster: KafkaJsCluster;
  readonly producers: KafkaProducerFactory;
  readonly converter: KafkaMessageConverter<T>;
  /** Disconnects; never throws (logs instead). */
  release(): Promise<void>;
}

/** Connects a writer's cluster. */
export async function openWriterResources<T>(
  options: ResolvedKafkaSinkOptions,
  serializer: KafkaRecordSerializer<T>,
  ctx: WriterInitContext,
): Promise<KafkaWriterResources<T>> {
  const kafka = createKafkaClient(
    { ...options, clientId: `${options.clientId}-sink-${ctx.subtaskId}` },
    ctx.logger,
  );
  const cluster = createCluster(kafka, { metadataMaxAgeMs: options.metadataMaxAgeMs });
  try {
    await cluster.connect();
  } catch (error) {
    throw wrapKafkaError(error, 'connect', { brokers: options.brokers });
  }
  let released = false;
  return {
    cluster,
    producers: new KafkaProducerFactory(kafka, cluster, options, ctx.metricGroup),
    converter: new KafkaMessageConverter(
      serializer,
      { subtaskId: ctx.subtaskId, parallelism: ctx.parallelism },
      options.coordinatorFailoverTimeoutMs,
    ),
    async release() {
      if (released) return;
      released = true;
      await cluster.disconnect().catch((error: unknown) => {
        ctx.logger.warn({ err: toError(error) }, 'error while disconnecting the Kafka writer');
      });
    },
  };
}
