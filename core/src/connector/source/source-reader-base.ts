import type {
  InputStatus,
  ReaderOutput,
  SourceEvents,
  SourceOutput,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
} from '../../api/source.js';
import { CoreErrorCodes } from '../../errors/error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { type BatchRecordEmitter, isBatchRecordEmitter, type RecordEmitter } from './record-emitter.js';
import type { RecordsWithSplitIds } from './records-with-split-ids.js';
import { SourceReaderErrorCodes } from './source-reader-error-codes.js';
import {
  type SourceReaderBaseConfig,
  SourceReaderBaseOptions,
  type SourceReaderBaseOptionsInput,
} from './source-reader-options.js';
import type { SplitFetcherManager } from './split-fetcher-manager.js';
import { SplitOutputTap } from './split-output-tap.js';

/** A split the reader owns: its mutable state and its (lazily created) output. */
interface SplitContext<T, SplitStateT> {
  readonly splitId: string;
  readonly state: SplitStateT;
  output: SourceOutput<T> | undefined;
  /** The reader output `output` was created from (a new one means a new split output). */
  outputOwner: ReaderOutput<T> | undefined;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * The template of a FLIP-27 source reader (Flink's `SourceReaderBase`). Fetch loops (run by the
 * {@link SplitFetcherManager}) read ahead through the bounded hand-over queue; this class drains
 * it on the subtask's loop: each fetched element goes through the {@link RecordEmitter} into its
 * split's output, which is also when the split's state advances. So {@link snapshotState} is the
 * exact position after the last emitted element; fetched but unemitted elements are simply read
 * again after a restore. With a {@link BatchRecordEmitter} the unit is a record of a batch
 * element instead: a poll may stop inside a batch, and the snapshot is the position after its
 * last emitted record.
 *
 * A connector subclass provides the split ⇄ state conversion ({@link initializedState},
 * {@link toSplitType}) and {@link onSplitFinished}; everything else (queueing, backpressure,
 * wake-ups, end of input, errors, metrics, per-split outputs) lives here.
 *
 * @typeParam E - what the split reader fetches (a raw message, a row, a line).
 * @typeParam T - what the reader emits.
 * @typeParam SplitT - the immutable split.
 * @typeParam SplitStateT - the split's mutable state (an object the emitter updates in place).
 */
export abstract class SourceReaderBase<
  E,
  T,
  SplitT extends SourceSplit,
  SplitStateT,
  EventsT extends SourceEvents = SourceEvents,
> implements SourceReader<T, SplitT, EventsT>, AsyncDisposable
{
  /** Owned splits in assignment order (the order of {@link snapshotState}). */
  private readonly splitStates = new Map<string, SplitContext<T, SplitStateT>>();
  protected readonly config: SourceReaderBaseConfig;
  private readonly tap = new SplitOutputTap<T>();
  /** The emitter when it emits batch elements in ranges (checked once, not per poll). */
  private readonly batchEmitter: BatchRecordEmitter<E, T, SplitStateT> | undefined;
  /** The fetch being drained; `splitIterator` walks its splits, `records[index]` is next. */
  private currentFetch: RecordsWithSplitIds<E> | undefined;
  private splitIterator: Iterator<[string, readonly E[]]> | undefined;
  private currentSplit: SplitContext<T, SplitStateT> | undefined;
  private records: readonly E[] | undefined;
  private index = 0;
  /** With a batch emitter: records of `records[index]` already emitted (a poll stopped inside it). */
  private recordIndex = 0;
  private noMoreSplits = false;
  private closed: Promise<void> | undefined;

  constructor(
    protected readonly splitFetcherManager: SplitFetcherManager<E, SplitT>,
    protected readonly recordEmitter: RecordEmitter<E, T, SplitStateT>,
    protected readonly context: SourceReaderContext<EventsT>,
    options: SourceReaderBaseOptionsInput = {},
  ) {
    this.config = SourceReaderBaseOptions.parse(options);
    this.batchEmitter = isBatchRecordEmitter(recordEmitter) ? recordEmitter : undefined;
  }

  /** The mutable state a newly added split starts from (its start or restored position). */
  protected abstract initializedState(split: SplitT): SplitStateT;

  /** The immutable split for a checkpoint: `splitId` with the position held in `state`. */
  protected abstract toSplitType(splitId: string, state: SplitStateT): SplitT;

  /**
   * Splits ended (all their elements emitted) or were removed: their states, by id. They are
   * already gone from {@link snapshotState} and their outputs released. Pull-based sources ask
   * for the next split here (`this.context.sendSplitRequest()`).
   */
  protected abstract onSplitFinished(finishedSplitStates: ReadonlyMap<string, SplitStateT>): void;

  /** Called once by the runtime before anything else. Override to request the first split. */
  start(): void | Promise<void> {}

  /**
   * Emits up to `maxRecordsPerPoll` fetched elements (records, with a {@link BatchRecordEmitter}),
   * split by split, each through the emitter into `output.createOutputForSplit(splitId)`. What is
   * left of the fetch (even of a batch element) waits for the next call. Returns `more` when it
   * stopped at the limit, `end` once no more splits come and every split finished and was
   * drained, else `nothing` (records may still have been emitted in this call). Finished splits
   * end only after their last element was emitted. Throws the first fetch-loop failure.
   */
  pollNext(output: ReaderOutput<T>): InputStatus {
    this.checkUsable();
    const tap = this.tap;
    const emitter = this.recordEmitter;
    const batchEmitter = this.batchEmitter;
    const limit = this.config.maxRecordsPerPoll;
    let emitted = 0;
    tap.reset();
    try {
      for (;;) {
        const records = this.records;
        if (records !== undefined && this.index < records.length) {
          const state = (this.currentSplit as SplitContext<T, SplitStateT>).state;
          if (batchEmitter !== undefined) {
            emitted += this.emitBatches(records, batchEmitter, state, limit - emitted);
          } else {
            const start = this.index;
            const end = Math.min(records.length, start + (limit - emitted));
            for (let i = start; i < end; i++) {
              emitter.emitRecord(records[i] as E, tap, state);
              // Advanced after each emit, so an emitter error leaves the index on the failed element.
              this.index = i + 1;
            }
            emitted += end - start;
          }
          if (emitted >= limit) return 'more';
        } else if (!this.moveToNextSplit(output) && !this.takeNextFetch()) {
          return this.finishedOrAvailableLater();
        }
      }
    } finally {
      if (emitted > 0) this.recordEmitMetrics();
    }
  }

  /**
   * Resolves when {@link pollNext} has something: fetched data, end of input, or a fetch-loop
   * failure to throw. Never resolves by itself with nothing to do. Once a failure is known, every
   * call rejects with it; a promise already pending when the failure arrives resolves instead
   * (the wake-up), so a caller that left it dangling never gets an unhandled rejection, and the
   * next `pollNext` throws.
   */
  isAvailable(): Promise<void> {
    if (this.closed) return RESOLVED;
    const failure = this.splitFetcherManager.error;
    if (failure) return Promise.reject(failure);
    const queue = this.splitFetcherManager.queue;
    if (this.currentFetch !== undefined || !queue.isEmpty() || this.isEndOfInput()) return RESOLVED;
    return queue.availability();
  }

  /** The owned splits with the position after their last emitted element. */
  snapshotState(_checkpointId: number): SplitT[] {
    const splits: SplitT[] = [];
    for (const ctx of this.splitStates.values()) splits.push(this.toSplitType(ctx.splitId, ctx.state));
    return splits;
  }

  addSplits(splits: readonly SplitT[]): void {
    this.checkNotClosed();
    for (const split of splits) {
      if (this.splitStates.has(split.splitId)) {
        throw new TributaryError(
          CoreErrorCodes.CONTRACT_VIOLATION,
          `Split '${split.splitId}' was added twice to the same reader`,
          { context: { splitId: split.splitId, subtask: this.context.subtaskId } },
        );
      }
    }
    for (const split of splits) {
      this.splitStates.set(split.splitId, {
        splitId: split.splitId,
        state: this.initializedState(split),
        output: undefined,
        outputOwner: undefined,
      });
    }
    this.splitFetcherManager.addSplits(splits);
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    // A reader waiting in isAvailable() may now be at its end.
    this.splitFetcherManager.queue.notifyAvailable();
  }

  /** Forwards to the fetch loops (see {@link SplitReader.pauseOrResumeSplits}). */
  pauseOrResumeSplits(splitsToPause: readonly string[], splitsToResume: readonly string[]): void {
    this.checkNotClosed();
    this.splitFetcherManager.pauseOrResumeSplits(splitsToPause, splitsToResume);
  }

  /** Ids of the splits this reader owns (not finished yet). */
  protected splitIds(): string[] {
    return [...this.splitStates.keys()];
  }

  /** Closes the fetch loops and their split readers. Idempotent. */
  close(): Promise<void> {
    this.closed ??= this.splitFetcherManager.close();
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Emits up to `budget` records of the current split's batch elements from `records[index]`,
   * record `recordIndex` on, and returns how many. Stops inside an element when the budget runs
   * out, keeping its place there, so the split state (moved by the emitter) is exactly what was
   * emitted and the next poll goes on with the next record.
   */
  private emitBatches(
    records: readonly E[],
    emitter: BatchRecordEmitter<E, T, SplitStateT>,
    state: SplitStateT,
    budget: number,
  ): number {
    const tap = this.tap;
    let left = budget;
    while (left > 0 && this.index < records.length) {
      const element = records[this.index] as E;
      const count = emitter.recordCount(element);
      const from = this.recordIndex;
      const to = Math.min(count, from + left);
      emitter.emitRecords(element, from, to, tap, state);
      // Moved only after the emit, so an emitter error leaves the place on the failed range.
      left -= to - from;
      if (to < count) {
        this.recordIndex = to;
        break;
      }
      this.recordIndex = 0;
      this.index++;
    }
    return budget - left;
  }

  /** Moves to the next split of the current fetch that has elements; finishes the fetch at its end. */
  private moveToNextSplit(output: ReaderOutput<T>): boolean {
    const iterator = this.splitIterator;
    if (iterator === undefined) return false;
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      const [splitId, records] = next.value;
      if (records.length === 0) continue;
      const ctx = this.splitStates.get(splitId);
      if (!ctx) {
        throw new TributaryError(
          SourceReaderErrorCodes.UNKNOWN_SPLIT,
          `A fetch returned records of split '${splitId}', which this reader does not own (never added, or already finished)`,
          { context: { splitId, subtask: this.context.subtaskId } },
        );
      }
      if (ctx.outputOwner !== output) {
        ctx.output = output.createOutputForSplit(splitId);
        ctx.outputOwner = output;
      }
      this.tap.target = ctx.output;
      this.currentSplit = ctx;
      this.records = records;
      this.index = 0;
      this.recordIndex = 0;
      return true;
    }
    this.finishCurrentFetch(output);
    return false;
  }

  private takeNextFetch(): boolean {
    const fetch = this.splitFetcherManager.queue.poll();
    if (fetch === undefined) return false;
    this.currentFetch = fetch;
    this.splitIterator = fetch.recordsBySplit.entries();
    return true;
  }

  /** Every element of the fetch was emitted: now its finished splits end. */
  private finishCurrentFetch(output: ReaderOutput<T>): void {
    const fetch = this.currentFetch as RecordsWithSplitIds<E>;
    this.currentFetch = undefined;
    this.splitIterator = undefined;
    this.currentSplit = undefined;
    this.records = undefined;
    this.index = 0;
    this.recordIndex = 0;
    this.tap.target = undefined;
    if (fetch.finishedSplits.length > 0) {
      const finished = new Map<string, SplitStateT>();
      for (const splitId of fetch.finishedSplits) {
        const ctx = this.splitStates.get(splitId);
        if (!ctx) continue;
        this.splitStates.delete(splitId);
        // So the finished split no longer holds the reader's watermark back.
        output.releaseOutputForSplit(splitId);
        finished.set(splitId, ctx.state);
      }
      if (finished.size > 0) this.onSplitFinished(finished);
    }
    fetch.recycle?.();
  }

  private finishedOrAvailableLater(): InputStatus {
    return this.isEndOfInput() ? 'end' : 'nothing';
  }

  private isEndOfInput(): boolean {
    return (
      this.noMoreSplits &&
      this.splitStates.size === 0 &&
      this.currentFetch === undefined &&
      this.splitFetcherManager.queue.isEmpty() &&
      this.splitFetcherManager.allIdle()
    );
  }

  private recordEmitMetrics(): void {
    const metrics = this.context.metricGroup;
    // numRecordsIn is counted by the runtime (once per batch, for every source), not here.
    metrics.lastEmitTime = Date.now();
    if (this.tap.lastTimestamp !== undefined) metrics.lastEmitEventTime = this.tap.lastTimestamp;
  }

  private checkUsable(): void {
    this.checkNotClosed();
    this.splitFetcherManager.checkErrors();
  }

  private checkNotClosed(): void {
    if (this.closed) {
      throw new TributaryError(CoreErrorCodes.CLOSED, 'The source reader is closed', {
        context: { subtask: this.context.subtaskId },
      });
    }
  }
}
