import {
  type InputStatus,
  jsonSerializer,
  type ReaderOutput,
  type Source,
  type SourceReader,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from '@tributary/core';

/** A split covering `[next, end)` of a number range. */
export interface SequenceSplit {
  readonly splitId: string;
  readonly next: number;
  readonly end: number;
}

export interface SequenceSourceOptions {
  readonly total: number;
  readonly numSplits: number;
  /** Records emitted per `pollNext` (default 50). */
  readonly batchSize?: number;
  /** Pause after each batch, so checkpoints fall between batches of a "live" source. */
  readonly pauseMs?: number;
}

/**
 * Test fixture: a bounded source of the integers `[0, total)` in `numSplits` ranges, with each
 * record's event timestamp equal to its value. Exact positions, so restores neither skip nor repeat.
 */
export function sequenceSource(
  options: SequenceSourceOptions,
): Source<number, SequenceSplit, SequenceSplit[]> {
  const serializer = jsonSerializer<SequenceSplit>({ name: 'SequenceSplit' });
  const initial = (): SequenceSplit[] => {
    const per = Math.ceil(options.total / options.numSplits);
    const splits: SequenceSplit[] = [];
    for (let i = 0; i < options.numSplits; i++) {
      const next = i * per;
      const end = Math.min(options.total, next + per);
      if (next < end) splits.push({ splitId: `seq-${i}`, next, end });
    }
    return splits;
  };
  return {
    boundedness: 'bounded',
    splitSerializer: serializer,
    enumeratorStateSerializer: jsonSerializer<SequenceSplit[]>({ name: 'SequenceEnumState' }),
    createEnumerator: (ctx) => new SequenceEnumerator(ctx, initial()),
    restoreEnumerator: (ctx, state) => new SequenceEnumerator(ctx, [...state]),
    createReader: () => new SequenceReader(options),
  };
}

class SequenceEnumerator implements SplitEnumerator<SequenceSplit, SequenceSplit[]> {
  constructor(
    private readonly ctx: SplitEnumeratorContext<SequenceSplit>,
    private unassigned: SequenceSplit[],
  ) {}
  start(): void {}
  handleSplitRequest(): void {}
  addSplitsBack(splits: readonly SequenceSplit[]): void {
    this.unassigned.push(...splits);
  }
  addReader(subtaskId: number): void {
    const n = this.ctx.currentParallelism;
    const mine = this.unassigned.filter((s) => Number(s.splitId.slice(4)) % n === subtaskId);
    this.unassigned = this.unassigned.filter((s) => !mine.includes(s));
    for (const split of mine) this.ctx.assignSplit(split, subtaskId);
    this.ctx.signalNoMoreSplits(subtaskId);
  }
  snapshotState(): SequenceSplit[] {
    return [...this.unassigned];
  }
  async close(): Promise<void> {}
}

class SequenceReader implements SourceReader<number, SequenceSplit> {
  private readonly splits: { splitId: string; next: number; end: number }[] = [];
  private noMore = false;
  private wake: (() => void) | undefined;
  private pausedUntil = 0;

  constructor(private readonly options: SequenceSourceOptions) {}

  start(): void {}

  pollNext(output: ReaderOutput<number>): InputStatus {
    const split = this.splits[0];
    if (!split) return this.noMore ? 'end' : 'nothing';
    if (Date.now() < this.pausedUntil) return 'nothing';
    const out = output.createOutputForSplit(split.splitId);
    const stop = Math.min(split.end, split.next + (this.options.batchSize ?? 50));
    for (let v = split.next; v < stop; v++) out.collect(v, v);
    split.next = stop;
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
    if (this.splits.length > 0 && this.options.pauseMs !== undefined) {
      return new Promise((resolve) => setTimeout(resolve, Math.max(0, this.pausedUntil - Date.now())));
    }
    if (this.splits.length > 0 || this.noMore) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  snapshotState(): SequenceSplit[] {
    return this.splits.map((s) => ({ ...s }));
  }

  addSplits(splits: readonly SequenceSplit[]): void {
    this.splits.push(...splits.map((s) => ({ ...s })));
    this.wake?.();
  }

  notifyNoMoreSplits(): void {
    this.noMore = true;
    this.wake?.();
  }

  async close(): Promise<void> {}
}
