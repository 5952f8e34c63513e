import type { SplitEnumerator, SplitEnumeratorContext } from '@tributary/core';
import { createElasticsearchClient, requestFailed } from '../client/elasticsearch-client.js';
import type { ResolvedElasticsearchSourceOptions } from './elasticsearch-source-options.js';
import type { ElasticsearchEndPosition, PitSliceSplit } from './pit-slice-split.js';

/** The enumerator's checkpoint: the point in time once opened, and the slices not yet assigned. */
export interface PitSliceEnumeratorState {
  readonly snapshotAtMs: number | null;
  readonly unassigned: readonly PitSliceSplit[];
}

/**
 * Opens one point in time for the whole read (so every slice sees the same snapshot) and hands
 * out one split per slice, spread over the readers by slice number.
 */
export class PitSliceEnumerator implements SplitEnumerator<PitSliceSplit, PitSliceEnumeratorState> {
  private unassigned: PitSliceSplit[];
  private snapshotAtMs: number | null;
  private readonly waiting = new Set<number>();

  constructor(
    private readonly ctx: SplitEnumeratorContext<PitSliceSplit>,
    private readonly options: ResolvedElasticsearchSourceOptions,
    state: PitSliceEnumeratorState | undefined,
  ) {
    this.unassigned = [...(state?.unassigned ?? [])];
    this.snapshotAtMs = state?.snapshotAtMs ?? null;
    ctx.metricGroup.setUnassignedSplitsGauge(() => this.unassigned.length);
  }

  async start(): Promise<void> {
    if (this.snapshotAtMs !== null) return;
    const client = createElasticsearchClient(this.options);
    try {
      const snapshotAtMs = Date.now();
      const pit = await client.openPointInTime({
        index: this.options.index as string | string[],
        keep_alive: `${this.options.pitKeepAliveMs}ms`,
      });
      this.ctx.logger.info(
        { index: this.options.index, slices: this.options.slices },
        'opened a point in time for the read',
      );
      this.unassigned = Array.from({ length: this.options.slices }, (_, slice) => ({
        splitId: `slice-${slice}`,
        ordinal: slice,
        slice,
        slices: this.options.slices,
        pitId: pit.id,
        searchAfter: null,
      }));
      this.snapshotAtMs = snapshotAtMs;
    } catch (error) {
      throw requestFailed('open point in time', error);
    } finally {
      await client.close();
    }
    for (const subtaskId of this.waiting) this.assign(subtaskId);
    this.waiting.clear();
  }

  addReader(subtaskId: number): void {
    this.assign(subtaskId);
  }

  handleSplitRequest(subtaskId: number): void {
    this.assign(subtaskId);
  }

  addSplitsBack(splits: readonly PitSliceSplit[]): void {
    this.unassigned.push(...splits);
  }

  snapshotState(): PitSliceEnumeratorState {
    return { snapshotAtMs: this.snapshotAtMs, unassigned: [...this.unassigned] };
  }

  endPosition(): ElasticsearchEndPosition {
    return { index: this.options.index, snapshotAtMs: this.snapshotAtMs ?? 0 };
  }

  async close(): Promise<void> {}

  private assign(subtaskId: number): void {
    if (this.snapshotAtMs === null) {
      this.waiting.add(subtaskId); // the point in time is still being opened
      return;
    }
    const parallelism = Math.max(1, this.ctx.currentParallelism);
    const mine: PitSliceSplit[] = [];
    const rest: PitSliceSplit[] = [];
    for (const split of this.unassigned)
      (split.ordinal % parallelism === subtaskId ? mine : rest).push(split);
    this.unassigned = rest;
    if (mine.length > 0) this.ctx.assignSplits(new Map([[subtaskId, mine]]));
    this.ctx.signalNoMoreSplits(subtaskId);
  }
}
