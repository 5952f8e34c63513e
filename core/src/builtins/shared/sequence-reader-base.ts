import type {
  InputStatus,
  ReaderOutput,
  SourceOutput,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
} from '../../api/source.js';
import { CoreErrorCodes } from '../../errors/error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { TokenBucketRateLimiter } from './token-bucket-rate-limiter.js';

/** A shallow, writable copy of a split: the reader advances its position field in place. */
export type SplitCursor<S> = { -readonly [K in keyof S]: S[K] };

/** Settings of a {@link SequenceReaderBase}. */
export interface SequenceReaderOptions {
  /** Upper bound of records emitted by one `pollNext` call (the batch size). */
  readonly maxRecordsPerPoll: number;
  /** Limits this reader's rate; unset = as fast as the subtask polls. */
  readonly rateLimiter?: TokenBucketRateLimiter | undefined;
}

/**
 * The reader of in-memory sequences (generated records, a collection): every record is computed
 * from the split, so there is no fetch thread and no hand-over queue. A subclass says how many
 * records a split has left and how to emit the next `n` of them; this base does the batching,
 * the round-robin over splits, per-split outputs (so per-split watermarks work), rate limiting,
 * availability and snapshots.
 *
 * Positions advance only as records are emitted, so `snapshotState` is the exact position of the
 * last emitted record and a restore resumes at the next one. Finished splits are dropped from the
 * state: after a restore nobody owns them, so they are never read twice.
 */
export abstract class SequenceReaderBase<T, S extends SourceSplit> implements SourceReader<T, S> {
  private readonly cursors: SplitCursor<S>[] = [];
  private readonly splitOutputs = new Map<string, SourceOutput<T>>();
  private outputOwner: ReaderOutput<T> | undefined;
  private next = 0;
  private noMoreSplits = false;
  private closed = false;
  /** Wakes an `isAvailable()` that waits for splits or for `noMoreSplits`. */
  private wake: (() => void) | undefined;
  private waiting: Promise<void> | undefined;
  /** The pending wait for the next rate-limiter permit (one timer at a time). */
  private permitTimer: NodeJS.Timeout | undefined;
  private permitWait: Promise<void> | undefined;
  private permitWake: (() => void) | undefined;

  protected constructor(
    protected readonly ctx: SourceReaderContext,
    private readonly options: SequenceReaderOptions,
  ) {}

  /** Records left in the split (`Infinity` for an unbounded split). */
  protected abstract remaining(cursor: SplitCursor<S>): number;

  /** Emits the next `count` records of the split to `output` and advances the cursor past them. */
  protected abstract emit(cursor: SplitCursor<S>, output: SourceOutput<T>, count: number): void;

  start(): void {}

  pollNext(output: ReaderOutput<T>): InputStatus {
    if (this.closed) throw new TributaryError(CoreErrorCodes.CLOSED, 'pollNext() after close()');
    if (this.cursors.length === 0) return this.noMoreSplits ? 'end' : 'nothing';
    let budget = this.options.maxRecordsPerPoll;
    // Records are made on demand: make no more than the subtask can take now.
    const wanted = output.recordsWanted;
    if (wanted !== undefined && wanted >= 1 && wanted < budget) budget = Math.floor(wanted);
    const limiter = this.options.rateLimiter;
    if (limiter) {
      budget = limiter.tryAcquire(Math.min(budget, this.totalRemaining()));
      if (budget === 0) return 'nothing';
    }
    let emitted = 0;
    while (budget > 0 && this.cursors.length > 0) {
      const index = this.next % this.cursors.length;
      const cursor = this.cursors[index] as SplitCursor<S>;
      const n = Math.min(budget, this.remaining(cursor));
      if (n > 0) this.emit(cursor, this.outputFor(output, cursor.splitId), n);
      budget -= n;
      emitted += n;
      if (this.remaining(cursor) === 0) {
        this.cursors.splice(index, 1);
        output.releaseOutputForSplit(cursor.splitId);
        this.splitOutputs.delete(cursor.splitId);
      } else {
        // Next call starts at the next split: fair progress (and watermarks) across splits.
        this.next = index + 1;
      }
    }
    if (this.cursors.length === 0) {
      // Report the records of this call first; 'end' comes on the next call.
      if (emitted > 0) return 'more';
      return this.noMoreSplits ? 'end' : 'nothing';
    }
    if (limiter && limiter.delayUntilNextPermitMs() > 0) return 'nothing';
    return 'more';
  }

  isAvailable(): Promise<void> {
    if (this.closed || (this.cursors.length === 0 && this.noMoreSplits)) return Promise.resolve();
    if (this.cursors.length === 0) {
      this.waiting ??= new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      return this.waiting;
    }
    const delayMs = this.options.rateLimiter?.waitMs() ?? 0;
    if (delayMs === 0) return Promise.resolve();
    this.permitWait ??= new Promise<void>((resolve) => {
      this.permitWake = resolve;
      this.permitTimer = setTimeout(() => this.releasePermitWait(), delayMs);
    });
    return this.permitWait;
  }

  snapshotState(): S[] {
    return this.cursors.map((c) => ({ ...c }) as S);
  }

  addSplits(splits: readonly S[]): void {
    for (const split of splits) {
      const cursor = { ...split } as SplitCursor<S>;
      if (this.remaining(cursor) > 0) this.cursors.push(cursor);
    }
    this.signalAvailable();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.signalAvailable();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.releasePermitWait();
    this.signalAvailable();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private totalRemaining(): number {
    let total = 0;
    for (const c of this.cursors) total += this.remaining(c);
    return total;
  }

  private outputFor(output: ReaderOutput<T>, splitId: string): SourceOutput<T> {
    if (this.outputOwner !== output) {
      this.outputOwner = output;
      this.splitOutputs.clear();
    }
    let splitOutput = this.splitOutputs.get(splitId);
    if (!splitOutput) {
      splitOutput = output.createOutputForSplit(splitId);
      this.splitOutputs.set(splitId, splitOutput);
    }
    return splitOutput;
  }

  private signalAvailable(): void {
    const wake = this.wake;
    this.wake = undefined;
    this.waiting = undefined;
    wake?.();
  }

  private releasePermitWait(): void {
    if (this.permitTimer !== undefined) clearTimeout(this.permitTimer);
    const wake = this.permitWake;
    this.permitTimer = undefined;
    this.permitWake = undefined;
    this.permitWait = undefined;
    wake?.();
  }
}
