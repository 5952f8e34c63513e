import {
  type Boundedness,
  collectBatch,
  type Source,
  type SourceOutput,
  type SourceReader,
  type SourceReaderContext,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from '../../api/source.js';
import { jsonSerializer, type VersionedSerializer } from '../../serialization/versioned-serializer.js';
import { SequenceReaderBase, type SplitCursor } from '../shared/sequence-reader-base.js';
import {
  type OrdinalSplit,
  type StaticEnumeratorState,
  StaticSplitEnumerator,
} from '../shared/static-split-enumerator.js';
import { TokenBucketRateLimiter } from '../shared/token-bucket-rate-limiter.js';
import { type DataGeneratorOptions, dataGeneratorSourceOptions } from './data-generator-options.js';

/**
 * A split of a {@link DataGeneratorSource}: the indices `next, next + step, ...` below `end`.
 * Bounded sources use contiguous ranges (`step` 1); unbounded ones interleave (`step` =
 * number of splits), because an infinite range cannot be cut into consecutive pieces.
 */
export interface DataGeneratorSplit extends OrdinalSplit {
  /** The next index to emit: the split's position. */
  readonly next: number;
  /** First index not in the split (exclusive), or `null` for an unbounded split. */
  readonly end: number | null;
  readonly step: number;
}

/** What a bounded data generator reports as its end position (e.g. to the next hybrid source). */
export interface DataGeneratorEndPosition {
  /** The index after the last generated record: pass it as `startIndex` to continue the sequence. */
  readonly nextIndex: number;
}

/** The enumerator state of a {@link DataGeneratorSource}. */
export type DataGeneratorEnumeratorState = StaticEnumeratorState<DataGeneratorSplit>;

const BURST_WINDOW_MS = 100;

/**
 * Generates records from their index: `generator(i)` for `i = startIndex, startIndex + 1, ...`,
 * bounded (`count`) or unbounded, optionally rate-limited and with event timestamps. Because a
 * record is a pure function of its index, the state is just the next index per split and a
 * restore resumes exactly where the checkpoint was: every index is emitted exactly once across
 * restores (within one split, in index order).
 *
 * @example
 * ```ts
 * const source = new DataGeneratorSource({
 *   generator: (i) => ({ id: i, name: `user-${i}` }),
 *   count: 1_000_000,
 *   recordsPerSecond: 10_000,
 * });
 * ```
 */
export class DataGeneratorSource<T> implements Source<T, DataGeneratorSplit, DataGeneratorEnumeratorState> {
  readonly boundedness: Boundedness;
  readonly splitSerializer: VersionedSerializer<DataGeneratorSplit> = jsonSerializer<DataGeneratorSplit>({
    name: 'DataGeneratorSplit',
  });
  readonly enumeratorStateSerializer: VersionedSerializer<DataGeneratorEnumeratorState> =
    jsonSerializer<DataGeneratorEnumeratorState>({ name: 'DataGeneratorEnumeratorState' });
  private readonly options: ReturnType<typeof dataGeneratorSourceOptions.parse>;

  /** Validates the options (throws `InvalidOptionsError` naming each bad key). */
  constructor(options: DataGeneratorOptions<T>) {
    this.options = dataGeneratorSourceOptions.parse(options);
    this.boundedness = this.options.count === undefined ? 'unbounded' : 'bounded';
  }

  createEnumerator(
    ctx: SplitEnumeratorContext<DataGeneratorSplit>,
  ): SplitEnumerator<DataGeneratorSplit, DataGeneratorEnumeratorState> {
    return this.enumerator(ctx, this.initialSplits(ctx.currentParallelism));
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<DataGeneratorSplit>,
    state: DataGeneratorEnumeratorState,
  ): SplitEnumerator<DataGeneratorSplit, DataGeneratorEnumeratorState> {
    return this.enumerator(ctx, state.unassigned);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, DataGeneratorSplit> {
    const { recordsPerSecond, maxRecordsPerPoll } = this.options;
    let limiter: TokenBucketRateLimiter | undefined;
    if (recordsPerSecond !== undefined) {
      const perReader = recordsPerSecond / Math.max(1, ctx.parallelism);
      const burst = Math.max(
        1,
        Math.min(maxRecordsPerPoll, Math.floor((perReader * BURST_WINDOW_MS) / 1000)),
      );
      limiter = new TokenBucketRateLimiter(perReader, burst);
    }
    return new DataGeneratorReader<T>(
      ctx,
      this.options.generator as (index: number) => T,
      this.options.timestamp,
      maxRecordsPerPoll,
      limiter,
    );
  }

  /** The splits of a fresh start: the index space cut into `numSplits` pieces. */
  private initialSplits(parallelism: number): DataGeneratorSplit[] {
    const { count, startIndex } = this.options;
    const numSplits = this.options.numSplits ?? Math.max(1, parallelism);
    const splits: DataGeneratorSplit[] = [];
    for (let j = 0; j < numSplits; j++) {
      const splitId = `datagen-${j}`;
      if (count === undefined) {
        splits.push({ splitId, ordinal: j, next: startIndex + j, end: null, step: numSplits });
      } else {
        const from = startIndex + Math.floor((j * count) / numSplits);
        const to = startIndex + Math.floor(((j + 1) * count) / numSplits);
        if (to > from) splits.push({ splitId, ordinal: j, next: from, end: to, step: 1 });
      }
    }
    return splits;
  }

  private enumerator(
    ctx: SplitEnumeratorContext<DataGeneratorSplit>,
    splits: readonly DataGeneratorSplit[],
  ): StaticSplitEnumerator<DataGeneratorSplit> {
    const { count, startIndex } = this.options;
    const end = (): DataGeneratorEndPosition | undefined =>
      count === undefined ? undefined : { nextIndex: startIndex + count };
    return new StaticSplitEnumerator(ctx, splits, end);
  }
}

/** Emits `generator(i)` for the indices of its splits. */
class DataGeneratorReader<T> extends SequenceReaderBase<T, DataGeneratorSplit> {
  constructor(
    ctx: SourceReaderContext,
    private readonly generator: (index: number) => T,
    private readonly timestamp: ((index: number) => number) | undefined,
    maxRecordsPerPoll: number,
    rateLimiter: TokenBucketRateLimiter | undefined,
  ) {
    super(ctx, { maxRecordsPerPoll, rateLimiter });
  }

  protected remaining(cursor: SplitCursor<DataGeneratorSplit>): number {
    if (cursor.end === null) return Number.POSITIVE_INFINITY;
    return Math.max(0, Math.ceil((cursor.end - cursor.next) / cursor.step));
  }

  protected emit(cursor: SplitCursor<DataGeneratorSplit>, output: SourceOutput<T>, count: number): void {
    const { generator, timestamp } = this;
    // One hand-over per poll: the output's per-record work runs once per batch. The array is
    // sized for the poll up front (no regrowth and copies per poll of 1000).
    const records = new Array<T>(count);
    const timestamps: number[] = [];
    const step = cursor.step;
    let index = cursor.next;
    let made = 0;
    try {
      for (; made < count; made++) {
        const record = generator(index);
        if (timestamp) timestamps.push(timestamp(index));
        records[made] = record;
        index += step;
      }
    } finally {
      // Advanced past what was made: if the generator threw, the position is the failed index.
      cursor.next = index;
      // What was generated before a throw is emitted, as record-by-record emission did.
      if (made < count) records.length = made;
      if (made > 0) collectBatch(output, records, timestamps);
    }
  }
}
