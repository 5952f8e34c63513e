import { type SinkWriterContext, toError, type WriterInitContext } from '@tributary/core';
import type { PulsarClient } from '@tributary/pulsar-client';
import { createPulsarClient } from '../pulsar-connection-options.js';
import { type ConvertedMessage, convertBatch } from './pulsar-message-converter.js';
import { routerFunction } from './pulsar-message-router.js';
import type { PulsarRecordSerializer, PulsarSinkContext } from './pulsar-record-serializer.js';
import { PulsarSendPipeline } from './pulsar-send-pipeline.js';
import type { ResolvedPulsarSinkOptions } from './pulsar-sink-options.js';

/** What every Pulsar writer holds: its client (connections), the send pipeline and the serializer. */
export interface PulsarWriterResources<T> {
  readonly client: PulsarClient;
  readonly pipeline: PulsarSendPipeline<T>;
  convert(batch: readonly T[], ctx: SinkWriterContext): ConvertedMessage[];
  /** Closes producers and connections; never throws (logs instead). */
  release(): Promise<void>;
}

/** Opens a writer's client (connections open lazily, with the first producer or transaction). */
export function openWriterResources<T>(
  options: ResolvedPulsarSinkOptions,
  serializer: PulsarRecordSerializer<T>,
  ctx: WriterInitContext,
): PulsarWriterResources<T> {
  const client = createPulsarClient(options);
  const context: PulsarSinkContext = { subtaskId: ctx.subtaskId, parallelism: ctx.parallelism };
  const pipeline = new PulsarSendPipeline<T>(client, {
    producer: {
      batchingEnabled: options.batchingEnabled,
      batchingMaxMessages: options.batchingMaxMessages,
      batchingMaxBytes: options.batchingMaxBytes,
      batchingMaxPublishDelayMs: options.batchingMaxPublishDelayMs,
      compression: options.compression,
      sendTimeoutMs: options.sendTimeoutMs,
    },
    maxPendingMessages: options.maxPendingMessages,
    router: routerFunction(serializer.router ?? 'key-hash', context),
    context,
    metrics: ctx.metricGroup,
  });
  let released = false;
  return {
    client,
    pipeline,
    convert: (batch, writerContext) => convertBatch(serializer, batch, writerContext, context),
    async release() {
      if (released) return;
      released = true;
      try {
        await pipeline.close();
        await client.close();
      } catch (error) {
        ctx.logger.warn({ err: toError(error) }, 'error while closing the Pulsar writer');
      }
    },
  };
}
