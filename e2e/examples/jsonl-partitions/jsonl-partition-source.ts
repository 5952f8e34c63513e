import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  jsonSerializer,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SourceSplit,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from '@tributary/core';
import { listPartitions } from './jsonl-partition-files.js';
import { JsonLinesPartitionReader } from './jsonl-partition-reader.js';

/** One partition file, read from `offset` (bytes) up to `stopOffset` (its size when discovered). */
export interface PartitionSplit extends SourceSplit {
  readonly path: string;
  readonly offset: number;
  readonly stopOffset: number;
}

/** The enumerator's checkpoint: splits not handed out yet (`null` before discovery ran). */
export interface PartitionEnumeratorState {
  readonly pending: readonly PartitionSplit[] | null;
}

/** Options of {@link JsonLinesPartitionSource}. */
export interface JsonLinesPartitionSourceOptions {
  /** The directory of `*.jsonl` partitions. */
  readonly directory: string;
  /** Lines one fetch reads at most (the batch size). Default 20. */
  readonly maxLinesPerFetch?: number;
}

/**
 * Example third-party source: reads a directory of append-only JSON-lines partitions, bounded at
 * each file's size when the job first listed it. Built on core's connector base: the connector
 * supplies a split reader, an emitter and a pull-based enumerator; fetch loops, hand-over queue,
 * per-split outputs and snapshots are `SourceReaderBase`'s.
 */
export class JsonLinesPartitionSource<T> implements Source<T, PartitionSplit, PartitionEnumeratorState> {
  readonly boundedness = 'bounded' as const;
  readonly splitSerializer = jsonSerializer<PartitionSplit>({ name: 'PartitionSplit' });
  readonly enumeratorStateSerializer = jsonSerializer<PartitionEnumeratorState>({
    name: 'PartitionEnumeratorState',
  });

  constructor(private readonly options: JsonLinesPartitionSourceOptions) {}

  createEnumerator(
    ctx: SplitEnumeratorContext<PartitionSplit>,
  ): SplitEnumerator<PartitionSplit, PartitionEnumeratorState> {
    return new PartitionEnumerator(ctx, this.options.directory, null);
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<PartitionSplit>,
    state: PartitionEnumeratorState,
  ): SplitEnumerator<PartitionSplit, PartitionEnumeratorState> {
    return new PartitionEnumerator(ctx, this.options.directory, state.pending);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, PartitionSplit> {
    return new JsonLinesPartitionReader<T>(ctx, this.options.maxLinesPerFetch ?? 20);
  }
}

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
