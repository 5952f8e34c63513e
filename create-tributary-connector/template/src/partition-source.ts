import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Boundedness,
  jsonSerializer,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SourceSplit,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from '@tributary/core';
import { PartitionSourceOptions, type PartitionSourceOptionsInput } from './options.js';
import { listPartitions } from './partition-files.js';
import { PartitionReader } from './partition-reader.js';

/**
 * One partition file, read from `offset` (bytes) up to `stopOffset` (its size when discovered),
 * or followed forever (`null`: unbounded mode, appends are read as they land).
 */
export interface PartitionSplit extends SourceSplit {
  readonly path: string;
  readonly offset: number;
  readonly stopOffset: number | null;
}

/** The enumerator's checkpoint: splits not handed out yet (`null` before discovery ran). */
export interface PartitionEnumeratorState {
  readonly pending: readonly PartitionSplit[] | null;
  /** Unbounded mode: partitions already turned into splits (assigned or pending). */
  readonly known?: readonly string[];
}

type SourceOptions = ReturnType<typeof PartitionSourceOptions.parse>;

// #region guide-source
/**
 * A source: reads a directory of append-only JSON-lines partitions, bounded at
 * each file's size when the job first listed it, or unbounded (`monitorIntervalMs`): new
 * partitions are discovered and every partition is followed as lines are appended. Built on
 * core's connector base: the connector supplies a split reader, an emitter and an enumerator;
 * fetch loops, hand-over queue, per-split outputs and snapshots are `SourceReaderBase`'s.
 */
export class PartitionSource<T> implements Source<T, PartitionSplit, PartitionEnumeratorState> {
  readonly boundedness: Boundedness;
  readonly splitSerializer = jsonSerializer<PartitionSplit>({ name: 'PartitionSplit' });
  readonly enumeratorStateSerializer = jsonSerializer<PartitionEnumeratorState>({
    name: 'PartitionEnumeratorState',
  });

  private readonly options: SourceOptions;

  constructor(options: PartitionSourceOptionsInput) {
    this.options = PartitionSourceOptions.parse(options); // fail fast, when the job is built
    this.boundedness = options.monitorIntervalMs === undefined ? 'bounded' : 'unbounded';
  }

  createEnumerator(
    ctx: SplitEnumeratorContext<PartitionSplit>,
  ): SplitEnumerator<PartitionSplit, PartitionEnumeratorState> {
    return this.options.monitorIntervalMs === undefined
      ? new PartitionEnumerator(ctx, this.options.directory, null)
      : new FollowingPartitionEnumerator(ctx, this.options.directory, this.options.monitorIntervalMs);
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<PartitionSplit>,
    state: PartitionEnumeratorState,
  ): SplitEnumerator<PartitionSplit, PartitionEnumeratorState> {
    return this.options.monitorIntervalMs === undefined
      ? new PartitionEnumerator(ctx, this.options.directory, state.pending)
      : new FollowingPartitionEnumerator(ctx, this.options.directory, this.options.monitorIntervalMs, state);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, PartitionSplit> {
    return new PartitionReader<T>(ctx, this.options);
  }
}
// #endregion guide-source

// #region guide-bounded-enumerator
/** Hands one partition to each reader that asks; `noMoreSplits` once none is left. */
class PartitionEnumerator implements SplitEnumerator<PartitionSplit, PartitionEnumeratorState> {
  private pending: PartitionSplit[] | null;
  private readonly waiting: number[] = [];

  constructor(
    private readonly ctx: SplitEnumeratorContext<PartitionSplit>,
    private readonly directory: string,
    restored: readonly PartitionSplit[] | null,
  ) {
    this.pending = restored === null ? null : [...restored];
  }

  async start(): Promise<void> {
    // Discovery runs once; its result is checkpointed, so a restore never re-lists the directory
    // (files that grew since are still read only up to the size they had at the first start).
    if (this.pending === null) {
      const splits: PartitionSplit[] = [];
      for (const name of await listPartitions(this.directory)) {
        const path = join(this.directory, name);
        splits.push({ splitId: name, path, offset: 0, stopOffset: (await stat(path)).size });
      }
      this.pending = splits;
    }
    this.ctx.metricGroup.setUnassignedSplitsGauge(() => this.pending?.length ?? 0);
    this.serveWaiting();
  }

  handleSplitRequest(subtaskId: number): void {
    this.waiting.push(subtaskId);
    this.serveWaiting();
  }

  addSplitsBack(splits: readonly PartitionSplit[]): void {
    this.pending?.unshift(...splits);
  }

  addReader(): void {}

  snapshotState(): PartitionEnumeratorState {
    return { pending: this.pending === null ? null : [...this.pending] };
  }

  async close(): Promise<void> {}

  private serveWaiting(): void {
    if (this.pending === null) return;
    while (this.waiting.length > 0) {
      const subtask = this.waiting.shift() as number;
      const split = this.pending.shift();
      if (split) this.ctx.assignSplit(split, subtask);
      else this.ctx.signalNoMoreSplits(subtask);
    }
  }
}
// #endregion guide-bounded-enumerator

// #region guide-unbounded-enumerator
/**
 * Unbounded mode: lists the directory every `intervalMs` and turns each new partition into a
 * followed split. Followed splits never finish, so a reader asks only once: splits are pushed
 * instead, each to a fixed subtask (its index in discovery order modulo the parallelism), once
 * that reader registered.
 */
class FollowingPartitionEnumerator implements SplitEnumerator<PartitionSplit, PartitionEnumeratorState> {
  private readonly pending: PartitionSplit[];
  private readonly known: string[];

  constructor(
    private readonly ctx: SplitEnumeratorContext<PartitionSplit>,
    private readonly directory: string,
    private readonly intervalMs: number,
    restored?: PartitionEnumeratorState,
  ) {
    this.pending = [...(restored?.pending ?? [])];
    this.known = [...(restored?.known ?? [])];
  }

  start(): void {
    this.ctx.metricGroup.setUnassignedSplitsGauge(() => this.pending.length);
    this.ctx.callAsync(
      () => listPartitions(this.directory),
      (names, error) => {
        if (error !== undefined) throw error;
        for (const name of names ?? []) {
          if (this.known.includes(name)) continue;
          this.known.push(name);
          this.pending.push({ splitId: name, path: join(this.directory, name), offset: 0, stopOffset: null });
        }
        this.assignPending();
      },
      { initialDelayMs: 0, periodMs: this.intervalMs },
    );
  }

  // Splits are pushed (see the class comment); a request needs no answer.
  handleSplitRequest(): void {}

  addSplitsBack(splits: readonly PartitionSplit[]): void {
    this.pending.unshift(...splits);
    this.assignPending();
  }

  addReader(): void {
    this.assignPending();
  }

  snapshotState(): PartitionEnumeratorState {
    return { pending: [...this.pending], known: [...this.known] };
  }

  async close(): Promise<void> {}

  private assignPending(): void {
    const readers = this.ctx.registeredReaders();
    const waiting: PartitionSplit[] = [];
    for (const split of this.pending.splice(0)) {
      const owner = this.known.indexOf(split.splitId) % this.ctx.currentParallelism;
      if (readers.has(owner)) this.ctx.assignSplit(split, owner);
      else waiting.push(split);
    }
    this.pending.push(...waiting);
  }
}
// #endregion guide-unbounded-enumerator
