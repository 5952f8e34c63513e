import type { SourceSplit, SplitEnumerator, SplitEnumeratorContext } from '../../api/source.js';

/** A split of a source whose splits are all known up front; `ordinal` decides its owner. */
export interface OrdinalSplit extends SourceSplit {
  /** 0-based number of the split within its source; the owner is `ordinal % parallelism`. */
  readonly ordinal: number;
}

/** State of a {@link StaticSplitEnumerator}: the splits not (or no longer) assigned to a reader. */
export interface StaticEnumeratorState<S extends OrdinalSplit> {
  readonly unassigned: readonly S[];
}

/**
 * The enumerator of sources whose splits are fixed when the job starts (data generator,
 * collection). Push-based: when a reader registers it gets every unassigned split it owns
 * (`ordinal % parallelism`, so the assignment is even and the same on every run) and then
 * `noMoreSplits`. Splits handed back by a failed reader (`addSplitsBack`) wait for that reader to
 * register again, which is when the runtime restarts it (FLIP-27 failover order); assigning them
 * to the dead reader instance would lose them.
 *
 * Its state holds only unassigned splits: assigned splits are in the readers' state, with their
 * exact positions.
 */
export class StaticSplitEnumerator<S extends OrdinalSplit>
  implements SplitEnumerator<S, StaticEnumeratorState<S>>
{
  private unassigned: S[];

  constructor(
    private readonly ctx: SplitEnumeratorContext<S>,
    splits: readonly S[],
    private readonly end: () => unknown = () => undefined,
  ) {
    this.unassigned = [...splits];
    ctx.metricGroup.setUnassignedSplitsGauge(() => this.unassigned.length);
  }

  start(): void {}

  addReader(subtaskId: number): void {
    this.assignOwnedSplits(subtaskId);
  }

  /** Push-based, but a reader that asks anyway gets its share and `noMoreSplits`. */
  handleSplitRequest(subtaskId: number): void {
    this.assignOwnedSplits(subtaskId);
  }

  addSplitsBack(splits: readonly S[]): void {
    this.unassigned.push(...splits);
  }

  snapshotState(): StaticEnumeratorState<S> {
    return { unassigned: [...this.unassigned] };
  }

  /** What the source reports as its end position to a following source in a hybrid source. */
  endPosition(): unknown {
    return this.end();
  }

  async close(): Promise<void> {}

  private assignOwnedSplits(subtaskId: number): void {
    const parallelism = Math.max(1, this.ctx.currentParallelism);
    const mine: S[] = [];
    const rest: S[] = [];
    for (const split of this.unassigned)
      (split.ordinal % parallelism === subtaskId ? mine : rest).push(split);
    this.unassigned = rest;
    if (mine.length > 0) this.ctx.assignSplits(new Map([[subtaskId, mine]]));
    this.ctx.signalNoMoreSplits(subtaskId);
  }
}
