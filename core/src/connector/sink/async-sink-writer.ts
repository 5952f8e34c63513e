import type { SinkWriterContext, StatefulSinkWriter } from '../../api/sink.js';
import { CoreErrorCodes } from '../../errors/error-codes.js';
import { TributaryError, toError } from '../../errors/tributary-error.js';
import type { Logger } from '../../logging/logger.js';
import type { SinkWriterMetricGroup } from '../../metrics/metric-groups.js';
import { AsyncSinkErrorCodes } from './async-sink-error-codes.js';
import type { AsyncSinkWriterInit } from './async-sink-writer-init.js';
import { type AsyncSinkWriterConfiguration, AsyncSinkWriterOptions } from './async-sink-writer-options.js';
import type { BufferedRequestState } from './buffered-request-state.js';
import { defaultRateLimitingStrategy } from './congestion-control-rate-limiting-strategy.js';
import { type DeadLetterHandler, sendToDeadLetter } from './dead-letter.js';
import type { ElementConverter } from './element-converter.js';
import { matchFailedEntries } from './failed-entries.js';
import {
  defaultFatalExceptionClassifier,
  type FatalExceptionClassifier,
} from './fatal-exception-classifier.js';
import type { RateLimitingStrategy } from './rate-limiting-strategy.js';
import { type BufferedEntry, mergeBySeq, RequestBuffer } from './request-buffer.js';
import { RetryBackoff } from './retry-backoff.js';

/**
 * The base of every request/response sink (FLIP-171): Kinesis PutRecords, Elasticsearch bulk, an
 * HTTP API. A connector implements only {@link submitRequestEntries} and {@link getSizeInBytes};
 * this class buffers, batches by count / bytes / time, limits requests in flight, re-queues
 * failed entries at the head in their original order with backoff, adapts the batch size with
 * the rate-limiting strategy (AIMD), applies backpressure to `write`, and keeps the undelivered
 * entries as writer state.
 *
 * Contract: `write`, `flush`, `snapshotState` and `close` are called from the subtask's
 * serialized loop, never concurrently. Requests run in the background; a failure there (fatal
 * error, dead-letter handler failure) is kept and rethrown by the next call — never an unhandled
 * rejection.
 *
 * Order: entries are sent in the order written; a failed entry is re-sent before every entry
 * written after it. With `maxInFlightRequests: 1` that keeps the delivered order per key; with
 * more, a later request may land before an earlier request's retried entries (as in Flink).
 */
export abstract class AsyncSinkWriter<InputT, RequestEntryT>
  implements StatefulSinkWriter<InputT, BufferedRequestState<RequestEntryT>>, AsyncDisposable
{
  /** The validated options. */
  protected readonly config: AsyncSinkWriterConfiguration;
  protected readonly metrics: SinkWriterMetricGroup;
  protected readonly logger: Logger;
  /** Aborted on `close`: pass it to the client so that requests in flight stop. */
  protected readonly signal: AbortSignal;

  private readonly subtaskId: number;
  private readonly converter: ElementConverter<InputT, RequestEntryT>;
  private readonly classifyError: FatalExceptionClassifier;
  private readonly deadLetter: DeadLetterHandler<RequestEntryT> | undefined;
  private readonly rateLimiter: RateLimitingStrategy;
  private readonly abort = new AbortController();
  private readonly buffer = new RequestBuffer<RequestEntryT>();
  private readonly inFlight = new Map<number, BufferedEntry<RequestEntryT>[]>();
  private nextSeq = 0;
  private nextRequestId = 0;
  /** Entries with `seq` up to this may go in a partial batch (timer fired, flush, retry). */
  private forceUpToSeq = -1;
  private readonly backoff: RetryBackoff;
  private bufferTimer: ReturnType<typeof setTimeout> | undefined;
  private pendingDeadLetters = 0;
  private unattributedRejections = 0;
  private waiters: (() => void)[] = [];
  private failure: TributaryError | undefined;
  private closed = false;

  protected constructor(init: AsyncSinkWriterInit<InputT, RequestEntryT>) {
    this.config = AsyncSinkWriterOptions.parse(init.options ?? {});
    this.metrics = init.context.metricGroup;
    this.logger = init.context.logger;
    this.signal = this.abort.signal;
    this.subtaskId = init.context.subtaskId;
    this.converter = init.elementConverter;
    this.classifyError = init.classifyError ?? defaultFatalExceptionClassifier;
    this.deadLetter = init.deadLetter;
    this.backoff = new RetryBackoff({
      initialDelayMs: this.config.retryInitialDelayMs,
      maxDelayMs: this.config.retryMaxDelayMs,
      multiplier: this.config.retryBackoffMultiplier,
      jitter: this.config.retryJitter,
    });
    this.rateLimiter = init.rateLimitingStrategy ?? defaultRateLimitingStrategy(this.config);
    for (const state of init.restoredState ?? []) {
      for (const { entry, sizeInBytes } of state.entries) {
        this.buffer.push({ entry, sizeInBytes, seq: this.nextSeq++, attempts: 0 });
      }
    }
    if (this.buffer.length > 0) {
      // Restored entries waited long enough: send them now, but only once the subclass
      // constructor has finished (a microtask), since sending calls its methods.
      this.forceUpToSeq = this.nextSeq - 1;
      queueMicrotask(() => this.pump());
    }
  }

  /**
   * Sends one request with `entries` (at most `maxBatchSize` of them and `maxBatchSizeInBytes`
   * in total, in write order) and resolves with the entries that must be retried, in their
   * order (`[]` when all succeeded). May return the same objects it was given (cheapest: they
   * are matched by identity) or rebuilt ones. Throw when the whole request failed: the error is
   * classified as retry (all entries re-queued) or fatal (the writer fails). Called by this
   * class only, up to `maxInFlightRequests` at once.
   */
  protected abstract submitRequestEntries(
    entries: readonly RequestEntryT[],
  ): Promise<readonly RequestEntryT[]>;

  /** Size of an entry as the service counts it (for batching and `maxRecordSizeInBytes`). */
  protected abstract getSizeInBytes(entry: RequestEntryT): number;

  /**
   * For `submitRequestEntries`: entries that will never succeed (e.g. an Elasticsearch mapping
   * error) go to the dead-letter handler, or, without one, fail the writer with
   * `TRIB_ASYNC_SINK_ENTRY_REJECTED`. Do not also return them as failed.
   */
  protected async rejectEntries(entries: readonly RequestEntryT[], error: unknown): Promise<void> {
    if (entries.length === 0) return;
    this.metrics.numRecordsSendErrors.inc(entries.length);
    this.unattributedRejections += entries.length;
    const rejected = new TributaryError(
      AsyncSinkErrorCodes.ENTRY_REJECTED,
      `The sink rejected ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}: ${toError(error).message}`,
      { cause: error, context: { entries: entries.length } },
    );
    if (this.deadLetter === undefined) {
      this.fail(rejected);
      return;
    }
    try {
      await sendToDeadLetter(this.deadLetter, entries, rejected);
    } catch (e) {
      this.fail(e as TributaryError);
    }
  }

  async write(batch: readonly InputT[], ctx: SinkWriterContext): Promise<void> {
    this.throwIfUnusable();
    const { maxRecordSizeInBytes, maxBufferedRequests } = this.config;
    // One context object for the batch: the converter reads it during its call only.
    const elementCtx = {
      index: 0,
      timestamp: undefined as number | undefined,
      currentWatermark: ctx.currentWatermark,
      subtaskId: this.subtaskId,
    };
    const accepted: BufferedEntry<RequestEntryT>[] = [];
    let tooLarge: { entry: RequestEntryT; error: TributaryError }[] | undefined;
    for (let i = 0; i < batch.length; i++) {
      elementCtx.index = i;
      elementCtx.timestamp = ctx.timestamp(i);
      const entry = this.converter(batch[i] as InputT, elementCtx);
      const sizeInBytes = this.getSizeInBytes(entry);
      if (sizeInBytes > maxRecordSizeInBytes) {
        const error = new TributaryError(
          CoreErrorCodes.RECORD_TOO_LARGE,
          `Record ${i} of the batch is ${sizeInBytes} bytes as a request entry, more than maxRecordSizeInBytes (${maxRecordSizeInBytes}); raise maxRecordSizeInBytes if the service accepts it, or configure a dead-letter handler`,
          { context: { recordIndex: i, sizeInBytes, maxRecordSizeInBytes } },
        );
        // Checked before buffering anything, so a failed write leaves the buffer as it was.
        if (this.deadLetter === undefined) throw error;
        tooLarge ??= [];
        tooLarge.push({ entry, error });
        continue;
      }
      accepted.push({ entry, sizeInBytes, seq: 0, attempts: 0 });
    }
    for (const { entry, error } of tooLarge ?? []) {
      this.metrics.numRecordsSendErrors.inc();
      try {
        await sendToDeadLetter(this.deadLetter as DeadLetterHandler<RequestEntryT>, [entry], error);
      } catch (e) {
        this.fail(e as TributaryError);
        throw e;
      }
    }
    let next = 0;
    while (next < accepted.length) {
      // Backpressure: wait for requests to complete while the buffer is full.
      while (this.buffer.length >= maxBufferedRequests) {
        this.pump();
        await this.changed();
        this.throwIfUnusable();
      }
      const end = Math.min(accepted.length, next + maxBufferedRequests - this.buffer.length);
      for (; next < end; next++) {
        const item = accepted[next] as BufferedEntry<RequestEntryT>;
        item.seq = this.nextSeq++;
        this.buffer.push(item);
      }
      this.pump();
    }
  }

  /**
   * Sends every buffered entry (partial batches too) and resolves once nothing is buffered or in
   * flight — retried entries included — so a checkpoint after it holds no undelivered entry.
   */
  async flush(_endOfInput: boolean): Promise<void> {
    this.throwIfUnusable();
    this.forceUpToSeq = this.nextSeq - 1;
    for (;;) {
      this.pump();
      if (this.buffer.length === 0 && this.inFlight.size === 0 && this.pendingDeadLetters === 0) break;
      await this.changed();
      this.throwIfUnusable();
    }
    this.throwIfUnusable();
  }

  /**
   * The undelivered entries, in send order: buffered and awaiting retry, and (when called
   * without a preceding `flush`) in flight — those may then be sent twice after a restore,
   * which keeps at-least-once.
   */
  async snapshotState(_checkpointId: number): Promise<BufferedRequestState<RequestEntryT>[]> {
    this.throwIfUnusable();
    let entries = this.buffer.toArray();
    for (const batch of this.inFlight.values()) entries = mergeBySeq(entries, batch);
    return [{ entries: entries.map(({ entry, sizeInBytes }) => ({ entry, sizeInBytes })) }];
  }

  /**
   * Stops timers and aborts {@link signal}; results of requests still in flight are ignored.
   * Does not flush (the runtime calls `flush(true)` first on a clean finish). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.bufferTimer);
    this.backoff.cancel();
    this.abort.abort(new TributaryError(CoreErrorCodes.CLOSED, 'AsyncSinkWriter closed'));
    this.notify();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Starts as many requests as the limits allow. Never throws: a bug here fails the writer. */
  private pump(): void {
    try {
      this.startRequests();
    } catch (error) {
      this.fail(this.fatal(error, 0, 'Async sink writer failed'));
    }
  }

  private startRequests(): void {
    const { maxBatchSize, maxBatchSizeInBytes, maxInFlightRequests } = this.config;
    while (this.failure === undefined && !this.closed && this.buffer.length > 0) {
      if (this.backoff.isPausing(this.onBackoffEnd)) break;
      const limit = Math.max(1, Math.min(maxBatchSize, Math.floor(this.rateLimiter.getMaxBatchSize())));
      const full = this.buffer.length >= limit || this.buffer.bytes >= maxBatchSizeInBytes;
      if (!full && this.buffer.headSeq() > this.forceUpToSeq) break;
      if (this.inFlight.size >= maxInFlightRequests) break;
      const batchSize = this.buffer.nextBatchSize(limit, maxBatchSizeInBytes);
      if (this.inFlight.size > 0 && this.rateLimiter.shouldBlock({ batchSize })) break;
      this.send(this.buffer.take(batchSize));
    }
    if (this.buffer.length > 0 && this.failure === undefined && !this.closed) this.armBufferTimer();
  }

  private send(batch: BufferedEntry<RequestEntryT>[]): void {
    const id = this.nextRequestId++;
    this.inFlight.set(id, batch);
    this.rateLimiter.registerInFlightRequest({ batchSize: batch.length });
    const startedAt = performance.now();
    let request: Promise<readonly RequestEntryT[]>;
    try {
      request = this.submitRequestEntries(batch.map((b) => b.entry));
    } catch (error) {
      request = Promise.reject(error);
    }
    request
      .then(
        (failed) => this.onRequestCompleted(id, batch, failed ?? [], undefined, startedAt),
        (error: unknown) => this.onRequestCompleted(id, batch, undefined, error, startedAt),
      )
      .catch((error: unknown) => this.fail(this.fatal(error, batch.length)));
  }

  private onRequestCompleted(
    id: number,
    batch: BufferedEntry<RequestEntryT>[],
    failedEntries: readonly RequestEntryT[] | undefined,
    error: unknown,
    startedAt: number,
  ): void {
    // After close (or a fatal failure) the result no longer matters: the job restarts from state.
    if (!this.inFlight.delete(id) || this.closed || this.failure !== undefined) return;
    this.metrics.recordSendTime(performance.now() - startedAt);
    const failed =
      failedEntries === undefined
        ? batch
        : matchFailedEntries(batch, failedEntries, (e) => this.getSizeInBytes(e));
    this.rateLimiter.registerCompletedRequest({ batchSize: batch.length, failedMessages: failed.length });
    let sentBytes = 0;
    for (const b of batch) sentBytes += b.sizeInBytes;
    for (const f of failed) sentBytes -= f.sizeInBytes;
    let sent = Math.max(0, batch.length - failed.length);
    const rejected = Math.min(sent, this.unattributedRejections);
    this.unattributedRejections -= rejected;
    sent -= rejected;
    this.metrics.numRecordsSend.inc(sent);
    this.metrics.numBytesSend.inc(Math.max(0, sentBytes));
    this.metrics.numRecordsSendErrors.inc(failed.length);

    if (failedEntries === undefined) {
      let decision: 'retry' | 'fatal';
      try {
        decision = this.classifyError(error);
      } catch {
        decision = 'fatal';
      }
      if (decision === 'fatal') {
        this.fail(this.fatal(error, batch.length));
        return;
      }
      this.logger.warn(
        { err: toError(error).message, entries: batch.length },
        'async sink request failed; retrying its entries',
      );
    }
    if (failed.length === 0) {
      this.backoff.succeeded();
    } else {
      this.retry(failed, error);
    }
    this.pump();
    this.notify();
  }

  private retry(failed: readonly BufferedEntry<RequestEntryT>[], cause: unknown): void {
    const { maxRetriesPerEntry } = this.config;
    this.backoff.failed();
    const requeue: BufferedEntry<RequestEntryT>[] = [];
    const exhausted: RequestEntryT[] = [];
    let maxSeq = -1;
    for (const item of failed) {
      item.attempts++;
      if (item.attempts > maxRetriesPerEntry) {
        exhausted.push(item.entry);
      } else {
        requeue.push(item);
        maxSeq = Math.max(maxSeq, item.seq);
      }
    }
    this.buffer.requeue(requeue);
    // Retried entries were ready once: resend them after the backoff, even as a partial batch.
    this.forceUpToSeq = Math.max(this.forceUpToSeq, maxSeq);
    if (exhausted.length > 0) this.giveUp(exhausted, cause);
  }

  private giveUp(entries: readonly RequestEntryT[], cause: unknown): void {
    const error = new TributaryError(
      CoreErrorCodes.RETRIES_EXHAUSTED,
      `${entries.length} async sink entr${entries.length === 1 ? 'y' : 'ies'} failed ${this.config.maxRetriesPerEntry + 1} times (maxRetriesPerEntry ${this.config.maxRetriesPerEntry}); raise maxRetriesPerEntry or configure a dead-letter handler`,
      { cause, context: { entries: entries.length, maxRetriesPerEntry: this.config.maxRetriesPerEntry } },
    );
    if (this.deadLetter === undefined) {
      this.fail(error);
      return;
    }
    this.pendingDeadLetters++;
    sendToDeadLetter(this.deadLetter, entries, error)
      .catch((e: unknown) => this.fail(e as TributaryError))
      .finally(() => {
        this.pendingDeadLetters--;
        this.notify();
      });
  }

  private fatal(
    error: unknown,
    entries: number,
    what = 'Async sink request failed with a fatal error',
  ): TributaryError {
    return new TributaryError(CoreErrorCodes.SINK_FATAL, `${what}: ${toError(error).message}`, {
      cause: error,
      context: { entries, subtaskId: this.subtaskId },
    });
  }

  private fail(error: TributaryError): void {
    if (this.failure !== undefined || this.closed) return;
    this.failure = error;
    clearTimeout(this.bufferTimer);
    this.backoff.cancel();
    this.logger.error({ err: error.toJSON() }, 'async sink writer failed');
    this.notify();
  }

  private throwIfUnusable(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new TributaryError(CoreErrorCodes.CLOSED, 'AsyncSinkWriter is closed');
  }

  /** Time-based flush: a partial batch goes out `maxTimeInBufferMs` after the timer started. */
  private armBufferTimer(): void {
    if (this.bufferTimer !== undefined) return;
    this.bufferTimer = setTimeout(() => {
      this.bufferTimer = undefined;
      this.forceUpToSeq = this.nextSeq - 1;
      this.pump();
    }, this.config.maxTimeInBufferMs);
  }

  private readonly onBackoffEnd = (): void => {
    this.pump();
    this.notify();
  };

  /** Resolves on the next change of buffer, requests or failure. */
  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
