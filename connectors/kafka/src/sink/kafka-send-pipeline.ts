import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type SinkWriterMetricGroup, TributaryError } from '@tributary/core';
import { isFencedError, kafkaErrorType, wrapKafkaError } from '../client/kafka-errors.js';
import type { KafkaJsMessageProducer } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { ConvertedBatch } from './kafka-message-converter.js';
import {
  KafkaRecordAccumulator,
  type KafkaRequestChunk,
  recordPosition,
} from './kafka-record-accumulator.js';

/** Settings of one {@link KafkaSendPipeline}. */
export interface KafkaSendPipelineOptions {
  readonly acks: number;
  readonly sendTimeoutMs: number;
  /** Record batch codec id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  readonly compression: number;
  readonly maxInFlightRequests: number;
  readonly maxRecordsPerRequest: number;
  /** Key and value bytes after which a request is sent without waiting for `lingerMs`. */
  readonly batchSizeBytes: number;
  /** How long a request that is not full waits for more records. */
  readonly lingerMs: number;
  readonly metrics: SinkWriterMetricGroup;
  /** Names the producer in errors (transactional id or client id). */
  readonly producerName: string;
}

/** Broker answers about the size of a record or batch: the error names the largest record. */
const SIZE_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/**
 * Sends written records through one kafkajs message producer, accumulating them across writes
 * into requests ({@link KafkaRecordAccumulator}) with at most `maxInFlightRequests` outstanding.
 *
 * A request is sent when it is full (`maxRecordsPerRequest` records or `batchSizeBytes`), when its
 * first record has waited `lingerMs` (the Java producer's `linger.ms`), or at once on `flush` —
 * checkpoints and the end of input never wait for the linger timer. With `lingerMs: 0` a request
 * goes out as soon as the window has room, carrying everything written since the previous one.
 * `send` returns once its records are accumulated; it waits only while full requests wait for
 * the window (the sink's backpressure: one request in flight, one full behind it, one filling).
 * The first failure is kept and rethrown by the next `send` or `flush` (nothing is sent after
 * it), naming the failed request's records, so a background send never becomes an unhandled
 * rejection.
 */
export class KafkaSendPipeline {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly accumulator: KafkaRecordAccumulator;
  private failure: Error | undefined;
  private sentRecords = 0;
  private closed = false;
  /** The open chunk may go out (its linger expired, or a flush is running). */
  private openSendable = false;
  private flushing = false;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  /** The open chunk the linger timer runs for. */
  private lingerSerial = -1;
  /** Whether anything was handed to this pipeline (a transaction with data). */
  hasSent = false;

  constructor(
    private readonly producer: KafkaJsMessageProducer,
    private readonly options: KafkaSendPipelineOptions,
  ) {
    this.accumulator = new KafkaRecordAccumulator({
      maxRecords: options.maxRecordsPerRequest,
      maxBytes: options.batchSizeBytes,
    });
  }

  /** Records acknowledged by the brokers through this pipeline. */
  get acknowledgedRecords(): number {
    return this.sentRecords;
  }

  /** Records accumulated and not yet handed to the producer. */
  get accumulatedRecords(): number {
    return this.accumulator.pendingRecords;
  }

  /** Accumulates `batch` (taking over its message lists); waits while full requests wait for the in-flight window. */
  async send(batch: ConvertedBatch): Promise<void> {
    this.throwIfFailed();
    if (this.closed) throw closedError(this.options.producerName);
    if (batch.count === 0) return;
    this.hasSent = true;
    this.accumulator.append(batch);
    this.pump();
    while (this.accumulator.hasFull && this.inFlight.size > 0) {
      await Promise.race(this.inFlight);
      this.throwIfFailed();
    }
    this.armLinger();
    // One turn of the event loop per write while work is pending, so that responses, the linger
    // timer and the runtime's own I/O (checkpoint commits) are handled between writes. Without
    // it a job whose operators keep the thread busy reaches I/O only every few polls (the
    // runtime's maxBatchesPerYield): each round trip, commits included, then took a third of a
    // second and checkpoints of the crash test took seconds instead of milliseconds.
    if (this.inFlight.size > 0 || this.accumulator.pendingRecords > 0) await yieldToEventLoop();
  }

  /** Sends everything accumulated now and waits until every request was acknowledged; rethrows the first failure. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    this.flushing = true;
    try {
      this.cancelLinger();
      this.pump();
      while (this.inFlight.size > 0) await Promise.race(this.inFlight);
      this.throwIfFailed();
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Stops: drops what was accumulated and not sent, and waits for the requests in flight to
   * settle (so connections are not cut under them). Never throws.
   */
  async abandon(): Promise<void> {
    this.closed = true;
    this.cancelLinger();
    this.accumulator.discard();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  /** The kept failure, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Starts requests while the window has room: full chunks first, then the open one when it may go. */
  private pump(): void {
    while (
      this.failure === undefined &&
      !this.closed &&
      this.inFlight.size < this.options.maxInFlightRequests
    ) {
      let chunk = this.accumulator.takeFull();
      if (chunk === undefined && this.openMayGo()) {
        chunk = this.accumulator.takeOpen();
        this.openSendable = false;
        this.cancelLinger();
      }
      if (chunk === undefined) return;
      this.start(chunk);
    }
  }

  private openMayGo(): boolean {
    return (
      this.accumulator.openRecords > 0 && (this.flushing || this.openSendable || this.options.lingerMs === 0)
    );
  }

  /** Starts the linger timer of the open chunk, once per chunk. */
  private armLinger(): void {
    if (this.options.lingerMs === 0 || this.accumulator.openRecords === 0) return;
    const serial = this.accumulator.openChunkSerial;
    if (this.lingerTimer !== undefined && this.lingerSerial === serial) return;
    this.cancelLinger();
    this.openSendable = false;
    this.lingerSerial = serial;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      if (this.accumulator.openChunkSerial !== serial) return;
      this.openSendable = true;
      this.pump();
    }, this.options.lingerMs);
    // A pending linger never keeps the process alive: flush and close send or drop its records.
    this.lingerTimer.unref?.();
  }

  private cancelLinger(): void {
    if (this.lingerTimer === undefined) return;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }

  private start(chunk: KafkaRequestChunk): void {
    const { metrics } = this.options;
    const startedAt = Date.now();
    const request = this.producer
      .sendBatch({
        acks: this.options.acks,
        timeout: this.options.sendTimeoutMs,
        compression: this.options.compression,
        topicMessages: [...chunk.topicMessages].map(([topic, messages]) => ({ topic, messages })),
      })
      .then(
        () => {
          this.sentRecords += chunk.count;
          metrics.numRecordsSend.inc(chunk.count);
          metrics.numBytesSend.inc(chunk.bytes);
          metrics.recordSendTime(Date.now() - startedAt);
        },
        (error: unknown) => {
          metrics.numRecordsSendErrors.inc(chunk.count);
          this.failure ??= sendError(error, chunk, this.options.producerName);
          // Nothing is sent after a failed request: its records would be overtaken.
          this.accumulator.discard();
          this.cancelLinger();
        },
      )
      .finally(() => {
        this.inFlight.delete(request);
        this.pump();
      });
    this.inFlight.add(request);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

/** A send failure naming the request's records (positions among the records this pipeline was given). */
function sendError(error: unknown, chunk: KafkaRequestChunk, producer: string): TributaryError {
  const code = isFencedError(error) ? KafkaErrorCodes.TXN_FENCED : KafkaErrorCodes.SEND_FAILED;
  const topics = [...chunk.topicMessages.keys()];
  const firstRecord = chunk.firstRecord;
  const lastRecord = chunk.firstRecord + chunk.count - 1;
  const largest = SIZE_ERRORS.has(kafkaErrorType(error) ?? '') ? largestRecord(chunk) : undefined;
  const wrapped = wrapKafkaError(
    error,
    'send',
    {
      producer,
      topics,
      records: chunk.count,
      firstRecord,
      lastRecord,
      ...(largest === undefined ? {} : { largestRecord: largest }),
    },
    code,
  );
  const which =
    largest === undefined
      ? ''
      : `; its largest record is #${largest.record} (topic ${largest.topic}, ${largest.bytes} bytes of key and value): check the topic's max.message.bytes`;
  return new TributaryError(
    wrapped.code,
    `${wrapped.message} (records #${firstRecord}–#${lastRecord} written through ${producer}, topics ${topics.join(', ')}${which})`,
    { cause: error, retriable: wrapped.retriable, context: wrapped.context },
  );
}

function largestRecord(chunk: KafkaRequestChunk): { record: number; topic: string; bytes: number } {
  let best = { topic: '', index: 0, bytes: -1 };
  for (const [topic, messages] of chunk.topicMessages) {
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      const bytes = (m?.value?.length ?? 0) + (m?.key?.length ?? 0);
      if (bytes > best.bytes) best = { topic, index: i, bytes };
    }
  }
  return { record: recordPosition(chunk, best.topic, best.index), topic: best.topic, bytes: best.bytes };
}

function closedError(producer: string): TributaryError {
  return new TributaryError('TRIB_CLOSED', `Kafka send pipeline of ${producer} used after it was closed`, {
    context: { producer },
  });
}
