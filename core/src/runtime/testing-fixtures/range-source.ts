import type {
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceReaderContext,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '../../api/source.js';
import { jsonSerializer } from '../../serialization/versioned-serializer.js';

/** A split covering [next, end) of a number range. */
export interface RangeSplit {
  readonly splitId: string;
  readonly next: number;
  readonly end: number;
}

export interface RangeSourceOptions {
  readonly total: number;
  readonly numSplits: number;
  /** Records emitted per pollNext. */
  readonly batchSize?: number;
  /** When set, the reader pauses this long (timer) after each batch: a slow, "live" source. */
  readonly pauseMs?: number;
  /** Breaks the reader contract: isAvailable never resolves (for the contract check test). */
  readonly brokenAvailability?: boolean;
}

/** Test fixture: a bounded source of the integers [0, total) in `numSplits` ranges. */
export function rangeSource(options: RangeSourceOptions): Source<number, RangeSplit, RangeSplit[]> {
  const serializer = jsonSerializer<RangeSplit>({ name: 'RangeSplit' });
  const initialSplits = (): RangeSplit[] => {
    const per = Math.ceil(options.total / options.numSplits);
    const splits: RangeSplit[] = [];
    for (let i = 0; i < options.numSplits; i++) {
      const next = i * per;
      const end = Math.min(options.total, next + per);
      if (next < end) splits.push({ splitId: `range-${i}`, next, end });
    }
    return splits;
  };
  return {
    boundedness: 'bounded',
    splitSerializer: serializer,
    enumeratorStateSerializer: jsonSerializer<RangeSplit[]>({ name: 'RangeEnumState' }),
    createEnumerator: (ctx) => new RangeEnumerator(ctx, initialSplits()),
    restoreEnumerator: (ctx, state) => new RangeEnumerator(ctx, [...state]),
    createReader: (ctx) => new RangeReader(ctx, options),
  };
}

class RangeEnumerator implements SplitEnumerator<RangeSplit, RangeSplit[]> {
  constructor(
    private readonly ctx: SplitEnumeratorContext<RangeSplit>,
    private unassigned: RangeSplit[],
  ) {}
  start(): void {}
  handleSplitRequest(): void {}
  addSplitsBack(splits: readonly RangeSplit[]): void {
    this.unassigned.push(...splits);
  }
  addReader(subtaskId: number): void {
    const splitNumber = (s: RangeSplit) => Number(s.splitId.slice('range-'.length));
    const mine = this.unassigned.filter((s) => splitNumber(s) % this.ctx.currentParallelism === subtaskId);
    this.unassigned = this.unassigned.filter((s) => !mine.includes(s));
    for (const split of mine) this.ctx.assignSplit(split, subtaskId);
    this.ctx.signalNoMoreSplits(subtaskId);
  }
  snapshotState(): RangeSplit[] {
    return [...this.unassigned];
  }
  async close(): Promise<void> {}
}

class RangeReader implements SourceReader<number, RangeSplit> {
  private readonly splits: { splitId: string; next: number; end: number }[] = [];
  private noMore = false;
  private wake: (() => void) | undefined;
  private pausedUntil = 0;

  constructor(
    _ctx: SourceReaderContext,
    private readonly options: RangeSourceOptions,
  ) {}

  start(): void {}

  pollNext(output: ReaderOutput<number>): InputStatus {
    const split = this.splits[0];
    if (!split) return this.noMore ? 'end' : 'nothing';
    if (this.options.pauseMs !== undefined && Date.now() < this.pausedUntil) return 'nothing';
    const out = output.createOutputForSplit(split.splitId);
    const stop = Math.min(split.end, split.next + (this.options.batchSize ?? 100));
    for (let v = split.next; v < stop; v++) {
      out.collect(v, v);
      split.next = v + 1;
    }
    if (split.next >= split.end) {
      this.splits.shift();
      output.releaseOutputForSplit(split.splitId);
    }
    if (this.options.pauseMs !== undefined) {
      this.pausedUntil = Date.now() + this.options.pauseMs;
      return 'nothing';
    }
    return this.splits.length > 0 ? 'more' : this.noMore ? 'end' : 'nothing';
  }

  isAvailable(): Promise<void> {
    if (this.options.brokenAvailability) return new Promise(() => {});
    if (this.splits.length > 0 && this.options.pauseMs !== undefined) {
      return new Promise((resolve) => setTimeout(resolve, Math.max(0, this.pausedUntil - Date.now())));
    }
    if (this.splits.length > 0 || this.noMore) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  snapshotState(): RangeSplit[] {
    return this.splits.map((s) => ({ ...s }));
  }

  addSplits(splits: readonly RangeSplit[]): void {
    this.splits.push(...splits.map((s) => ({ ...s })));
    this.wake?.();
  }

  notifyNoMoreSplits(): void {
    this.noMore = true;
    this.wake?.();
  }

  async close(): Promise<void> {}
}
