import type { SinkWriterMetricGroup } from '@tributary/core';
import { isFencedError, wrapKafkaError } from '../client/kafka-errors.js';
import type { KafkaJsMessageProducer } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { ConvertedBatch } from './kafka-message-converter.js';

/** Settings of one {@link KafkaSendPipeline}. */
export interface KafkaSendPipelineOptions {
  readonly acks: number;
  readonly sendTimeoutMs: number;
  /** Record batch codec id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  readonly compression: number;
  readonly maxInFlightRequests: number;
  readonly maxRecordsPerRequest: number;
  readonly metrics: SinkWriterMetricGroup;
  /** Names the producer in errors (transactional id or client id). */
  readonly producerName: string;
}

/**
 * Sends converted batches through one kafkajs message producer, with at most
 * `maxInFlightRequests` requests outstanding. `send` returns once the request is under way (the
 * writer goes on converting the next batch while the brokers work) and waits only when the window
 * is full: that wait is the sink's backpressure. The first failure is kept and rethrown by the
 * next `send` or `flush`, so a background send never becomes an unhandled rejection.
 */
export class KafkaSendPipeline {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;
  private sentRecords = 0;
  /** Whether anything was handed to this pipeline (a transaction with data). */
  hasSent = false;

  constructor(
    private readonly producer: KafkaJsMessageProducer,
    private readonly options: KafkaSendPipelineOptions,
  ) {}

  /** Records acknowledged by the brokers through this pipeline. */
  get acknowledgedRecords(): number {
    return this.sentRecords;
  }

  /** Starts sending `batch`; waits while the in-flight window is full. */
  async send(batch: ConvertedBatch): Promise<void> {
    this.throwIfFailed();
    if (batch.count === 0) return;
    this.hasSent = true;
    for (const chunk of chunks(batch.topicMessages, this.options.maxRecordsPerRequest)) {
      while (this.inFlight.size >= this.options.maxInFlightRequests) {
        await Promise.race(this.inFlight);
        this.throwIfFailed();
      }
      this.start(chunk.topicMessages, chunk.count, chunk.count === batch.count ? batch.bytes : undefined);
    }
  }

  /** Waits until every request was acknowledged; rethrows the first failure. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  /** The kept failure, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  private start(
    topicMessages: ConvertedBatch['topicMessages'],
    count: number,
    bytes: number | undefined,
  ): void {
    const { metrics } = this.options;
    const startedAt = Date.now();
    const request = this.producer
      .sendBatch({
        acks: this.options.acks,
        timeout: this.options.sendTimeoutMs,
        compression: this.options.compression,
        topicMessages: [...topicMessages].map(([topic, messages]) => ({ topic, messages })),
      })
      .then(
        () => {
          this.sentRecords += count;
          metrics.numRecordsSend.inc(count);
          metrics.numBytesSend.inc(bytes ?? sizeOf(topicMessages));
          metrics.recordSendTime(Date.now() - startedAt);
        },
        (error: unknown) => {
          metrics.numRecordsSendErrors.inc(count);
          this.failure ??= wrapKafkaError(
            error,
            'send',
            { producer: this.options.producerName, topics: [...topicMessages.keys()], records: count },
            isFencedError(error) ? KafkaErrorCodes.TXN_FENCED : KafkaErrorCodes.SEND_FAILED,
          );
        },
      )
      .finally(() => {
        this.inFlight.delete(request);
      });
    this.inFlight.add(request);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

interface Chunk {
  readonly topicMessages: ConvertedBatch['topicMessages'];
  readonly count: number;
}

/** Splits a batch so that no request carries more than `max` records (kafkajs groups per partition in O(n²)). */
function* chunks(topicMessages: ConvertedBatch['topicMessages'], max: number): Generator<Chunk> {
  let total = 0;
  for (const messages of topicMessages.values()) total += messages.length;
  if (total <= max) {
    yield { topicMessages, count: total };
    return;
  }
  let current = new Map<string, ConvertedBatch['topicMessages'] extends Map<string, infer M> ? M : never>();
  let size = 0;
  for (const [topic, messages] of topicMessages) {
    for (let offset = 0; offset < messages.length; ) {
      const take = Math.min(max - size, messages.length - offset);
      const part = messages.slice(offset, offset + take);
      const existing = current.get(topic);
      if (existing) existing.push(...part);
      else current.set(topic, part);
      size += take;
      offset += take;
      if (size === max) {
        yield { topicMessages: current, count: size };
        current = new Map();
        size = 0;
      }
    }
  }
  if (size > 0) yield { topicMessages: current, count: size };
}

function sizeOf(topicMessages: ConvertedBatch['topicMessages']): number {
  let bytes = 0;
  for (const messages of topicMessages.values()) {
    for (const m of messages) bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
  }
  return bytes;
}
