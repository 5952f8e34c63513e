import { type SinkWriterMetricGroup, TributaryError } from '@tributary/core';
import type { Producer, ProducerOptions, PulsarClient, Transaction } from '@tributary/pulsar-client';
import type { ConvertedMessage } from './pulsar-message-converter.js';
import type { PulsarRouterFunction, PulsarSinkContext } from './pulsar-record-serializer.js';
import { PulsarSinkErrorCodes } from './pulsar-sink-error-codes.js';

/** Settings of one {@link PulsarSendPipeline}. */
export interface PulsarSendPipelineSettings<T> {
  /** Producer settings shared by every topic (batching, compression, send timeout, name). */
  readonly producer: Omit<ProducerOptions, 'topic' | 'router' | 'maxPendingMessages' | 'producerName'>;
  /** Messages waiting for a receipt before `send` waits. */
  readonly maxPendingMessages: number;
  readonly router: PulsarRouterFunction<T>;
  readonly context: PulsarSinkContext;
  readonly metrics: SinkWriterMetricGroup;
}

/**
 * Sends converted messages through one producer per topic (opened on first use), routed to
 * partitions by the sink's router. `send` hands the messages to the producers and returns; it
 * waits only while `maxPendingMessages` are without a receipt — the sink's backpressure. The
 * window is enforced here, not in the client, so a send never waits in the client and messages
 * reach each partition in `send` order (per-key order). The first failure is kept and rethrown by
 * the next `send` or `flush`, so a background send never becomes an unhandled rejection.
 */
export class PulsarSendPipeline<T> {
  private readonly producers = new Map<string, Promise<Producer>>();
  private pending = 0;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly client: PulsarClient,
    private readonly settings: PulsarSendPipelineSettings<T>,
  ) {}

  /** Starts sending `messages` (of `records`, for the router), inside `transaction` if given. */
  async send(
    records: readonly T[],
    messages: readonly ConvertedMessage[],
    transaction?: Transaction,
  ): Promise<void> {
    this.throwIfFailed();
    if (messages.length === 0) return;
    const producers = await this.producersFor(messages);
    const { metrics, router, context } = this.settings;
    const startedAt = Date.now();
    let bytes = 0;
    for (let i = 0; i < messages.length; i++) {
      while (this.pending >= this.settings.maxPendingMessages) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.throwIfFailed();
      }
      const converted = messages[i] as ConvertedMessage;
      const producer = producers.get(converted.topic) as Producer;
      const count = Math.max(1, producer.partitionCount);
      const partition =
        converted.source.partition ?? router(records[i] as T, converted.source, count, context);
      if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        throw new TributaryError(
          PulsarSinkErrorCodes.INVALID_PARTITION,
          `Pulsar sink: partition ${partition} chosen for record ${i} of the batch does not exist on ${converted.topic} (${count} partition(s))`,
          { context: { topic: converted.topic, partition, partitions: count, index: i } },
        );
      }
      const message = transaction === undefined ? converted.message : { ...converted.message, transaction };
      this.pending++;
      bytes += converted.bytes;
      const last = i === messages.length - 1;
      producer.sendToPartition(partition, message).then(
        () => {
          metrics.numRecordsSend.inc();
          if (last) metrics.recordSendTime(Date.now() - startedAt);
          this.settle();
        },
        (error: unknown) => {
          metrics.numRecordsSendErrors.inc();
          this.failure ??= new TributaryError(
            PulsarSinkErrorCodes.SEND_FAILED,
            `Pulsar sink: sending to ${converted.topic} failed: ${(error as Error)?.message ?? String(error)}`,
            { cause: error, retriable: true, context: { topic: converted.topic, partition } },
          );
          this.settle();
        },
      );
    }
    metrics.numBytesSend.inc(bytes);
  }

  /** Sends every batched message now and waits for all receipts; rethrows the first failure. */
  async flush(): Promise<void> {
    const producers = await Promise.allSettled(this.producers.values());
    await Promise.all(producers.map((p) => (p.status === 'fulfilled' ? p.value.flush() : undefined)));
    while (this.pending > 0) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    this.throwIfFailed();
  }

  /** The kept failure, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Closes the producers (what they still hold is sent first, without waiting for failures). */
  async close(): Promise<void> {
    const producers = await Promise.allSettled(this.producers.values());
    this.producers.clear();
    await Promise.allSettled(producers.map((p) => (p.status === 'fulfilled' ? p.value.close() : undefined)));
  }

  /** One receipt or failure arrived: wakes a waiting `send` (window) or `flush` (which re-checks). */
  private settle(): void {
    this.pending--;
    const wake = this.wake;
    if (wake !== undefined && (this.pending < this.settings.maxPendingMessages || this.failure)) {
      this.wake = undefined;
      wake();
    }
  }

  private async producersFor(messages: readonly ConvertedMessage[]): Promise<Map<string, Producer>> {
    const topics = new Set<string>();
    for (const m of messages) topics.add(m.topic);
    const out = new Map<string, Producer>();
    for (const topic of topics) out.set(topic, await this.producerFor(topic));
    return out;
  }

  private producerFor(topic: string): Promise<Producer> {
    let producer = this.producers.get(topic);
    if (producer === undefined) {
      producer = this.client
        .createProducer({
          ...this.settings.producer,
          topic,
          // The window is this pipeline's (see the class comment): the client never waits.
          maxPendingMessages: Number.MAX_SAFE_INTEGER,
        })
        .catch((error: unknown) => {
          this.producers.delete(topic);
          throw new TributaryError(
            PulsarSinkErrorCodes.REQUEST_FAILED,
            `Pulsar sink: could not create a producer on ${topic}: ${(error as Error)?.message ?? String(error)}`,
            { cause: error, retriable: true, context: { topic } },
          );
        });
      this.producers.set(topic, producer);
    }
    return producer;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
