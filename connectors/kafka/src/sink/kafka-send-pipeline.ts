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
  /** How long buffered records may wait for more before a request that is not full goes out (0: at once). */
  readonly lingerMs: number;
  /** A request is full at this many bytes (or `maxRecordsPerRequest` records); `send` waits while a full one waits for a slot. */
  readonly batchSizeBytes: number;
  readonly metrics: SinkWriterMetricGroup;
  /** Names the producer in errors (transactional id or client id). */
  readonly producerName: string;
}

type TopicMessages = ConvertedBatch['topicMessages'];

/**
 * Sends converted batches through one kafkajs message producer, with at most
 * `maxInFlightRequests` requests outstanding, **accumulating writes** like the Java producer's
 * record accumulator: `send` appends to a buffer and returns; a request goes out when a slot is
 * free and the buffer is full (`batchSizeBytes` or `maxRecordsPerRequest`), has waited `lingerMs`,
 * or is flushed. While requests are in flight the writer goes on converting and the buffer grows,
 * so the next request carries everything written meanwhile instead of one runtime poll's records —
 * with the one request in flight an idempotent producer allows, request size is what scales
 * throughput. `send` waits only while a full request waits for a slot: that wait is the sink's
 * backpressure. The first failure is kept and rethrown by the next `send` or `flush`, so a
 * background send never becomes an unhandled rejection; records buffered behind it are not sent.
 */
export class KafkaSendPipeline {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;
  private sentRecords = 0;
  private buffer: TopicMessages = new Map();
  private bufferedRecords = 0;
  private bufferedBytes = 0;
  private bufferedSince = 0;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
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

  /** Buffers `batch` and sends what is due; waits while a full request waits for a slot. */
  async send(batch: ConvertedBatch): Promise<void> {
    this.throwIfFailed();
    if (batch.count === 0) return;
    this.hasSent = true;
    if (this.bufferedRecords === 0) this.bufferedSince = Date.now();
    for (const [topic, messages] of batch.topicMessages) {
      const existing = this.buffer.get(topic);
      if (existing) for (const m of messages) existing.push(m);
      else this.buffer.set(topic, [...messages]);
    }
    this.bufferedRecords += batch.count;
    this.bufferedBytes += batch.bytes;
    this.pump(false);
    while (this.isFull() && this.inFlight.size >= this.options.maxInFlightRequests) {
      await Promise.race(this.inFlight);
      this.throwIfFailed();
      this.pump(false);
    }
  }

  /** Sends everything buffered and waits until every request was acknowledged; rethrows the first failure. */
  async flush(): Promise<void> {
    this.clearLinger();
    for (;;) {
      this.pump(true);
      if (this.inFlight.size === 0) break;
      await Promise.race(this.inFlight);
    }
    this.throwIfFailed();
  }

  /** The kept failure, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  private isFull(): boolean {
    return (
      this.bufferedRecords >= this.options.maxRecordsPerRequest ||
      this.bufferedBytes >= this.options.batchSizeBytes
    );
  }

  /** Starts requests for the buffer while slots are free and a request is due (or `force`). */
  private pump(force: boolean): void {
    while (
      this.bufferedRecords > 0 &&
      this.failure === undefined &&
      this.inFlight.size < this.options.maxInFlightRequests
    ) {
      const waited = Date.now() - this.bufferedSince;
      if (!force && !this.isFull() && waited < this.options.lingerMs) {
        this.lingerTimer ??= setTimeout(() => {
          this.lingerTimer = undefined;
          this.pump(true);
        }, this.options.lingerMs - waited);
        return;
      }
      this.clearLinger();
      this.dispatch();
    }
  }

  /** Sends the first `maxRecordsPerRequest` buffered records as one request. */
  private dispatch(): void {
    if (this.bufferedRecords <= this.options.maxRecordsPerRequest) {
      const topicMessages = this.buffer;
      const count = this.bufferedRecords;
      const bytes = this.bufferedBytes;
      this.buffer = new Map();
      this.bufferedRecords = 0;
      this.bufferedBytes = 0;
      this.start(topicMessages, count, bytes);
      return;
    }
    const parts = chunks(this.buffer, this.options.maxRecordsPerRequest);
    const first = parts.next().value as Chunk;
    const rest: TopicMessages = new Map();
    for (const chunk of parts) {
      for (const [topic, messages] of chunk.topicMessages) {
        const existing = rest.get(topic);
        if (existing) for (const m of messages) existing.push(m);
        else rest.set(topic, messages);
      }
    }
    const bytes = sizeOf(first.topicMessages);
    this.buffer = rest;
    this.bufferedRecords -= first.count;
    this.bufferedBytes = Math.max(0, this.bufferedBytes - bytes);
    this.bufferedSince = Date.now();
    this.start(first.topicMessages, first.count, bytes);
  }

  private clearLinger(): void {
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }

  private start(topicMessages: TopicMessages, count: number, bytes: number | undefined): void {
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
        // What was written meanwhile goes out now (or when its linger ends).
        this.pump(false);
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
