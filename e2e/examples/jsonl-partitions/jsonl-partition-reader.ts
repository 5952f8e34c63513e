import { open } from 'node:fs/promises';
import {
  type RecordEmitter,
  RecordsBySplitsBuilder,
  type RecordsWithSplitIds,
  SingleSplitFetcherManager,
  type SourceOutput,
  SourceReaderBase,
  type SourceReaderContext,
  type SourceReaderMetricGroup,
  type SplitReader,
  type SplitsChange,
  TributaryError,
} from '@tributary/core';
import type { PartitionSplit } from './jsonl-partition-source.js';

/** A parsed line with the offset just past it and its size (bytes). */
export interface PartitionLine<T> {
  readonly value: T;
  readonly nextOffset: number;
  readonly bytes: number;
}

/** The mutable state of a split in the reader: the offset after the last emitted line. */
interface PartitionSplitState {
  readonly split: PartitionSplit;
  offset: number;
}

const CHUNK_BYTES = 64 * 1024;

/**
 * Reads the assigned partitions one after the other, up to `maxLines` lines per fetch. Its own
 * read offsets run ahead of what the reader emitted; after a restore, reading restarts at the
 * emitted offset from the checkpoint.
 */
class PartitionSplitReader<T> implements SplitReader<PartitionLine<T>, PartitionSplit> {
  private readonly queue: { split: PartitionSplit; offset: number }[] = [];

  constructor(private readonly maxLines: number) {}

  async fetch(): Promise<RecordsWithSplitIds<PartitionLine<T>>> {
    const builder = new RecordsBySplitsBuilder<PartitionLine<T>>();
    const current = this.queue[0];
    if (current === undefined) return builder.build();
    const { split } = current;
    if (current.offset >= split.stopOffset) {
      this.queue.shift();
      return builder.markFinished(split.splitId).build();
    }
    const length = Math.min(CHUNK_BYTES, split.stopOffset - current.offset);
    const buffer = Buffer.alloc(length);
    const file = await open(split.path, 'r');
    try {
      await file.read(buffer, 0, length, current.offset);
    } finally {
      await file.close();
    }
    let start = 0;
    let lines = 0;
    while (lines < this.maxLines && start < length) {
      let end = buffer.indexOf(10, start);
      const atStop = current.offset + length === split.stopOffset;
      // A last line without its newline (the file's end at discovery) still counts when complete.
      if (end < 0 && atStop) end = length;
      if (end < 0) break;
      const bytes = end - start + (end < length ? 1 : 0);
      if (end > start) {
        const text = buffer.toString('utf8', start, end);
        builder.add(split.splitId, {
          value: parseLine<T>(text, split, current.offset + start),
          nextOffset: current.offset + start + bytes,
          bytes,
        });
      }
      start += bytes;
      lines++;
    }
    if (start === 0) {
      throw new TributaryError(
        'TRIB_EXAMPLE_JSONL_LINE_TOO_LONG',
        `A line in ${split.path} exceeds ${CHUNK_BYTES} bytes`,
        {
          context: { file: split.path, offset: current.offset },
        },
      );
    }
    current.offset += start;
    return builder.build();
  }

  handleSplitsChanges(change: SplitsChange<PartitionSplit>): void {
    if (change.type === 'add') {
      for (const split of change.splits) this.queue.push({ split, offset: split.offset });
      return;
    }
    const removed = new Set(change.splits.map((s) => s.splitId));
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (removed.has(this.queue[i]?.split.splitId ?? '')) this.queue.splice(i, 1);
    }
  }

  // Fetches are short local reads; there is nothing blocking to wake up.
  wakeUp(): void {}

  async close(): Promise<void> {}
}

function parseLine<T>(text: string, split: PartitionSplit, offset: number): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new TributaryError(
      'TRIB_EXAMPLE_JSONL_INVALID',
      `Invalid JSON line in ${split.path} at byte ${offset}`,
      {
        cause,
        context: { file: split.path, offset },
      },
    );
  }
}

/** Emits a line and advances its split's offset; counts the line's bytes (FLIP-33 `numBytesIn`). */
class PartitionLineEmitter<T> implements RecordEmitter<PartitionLine<T>, T, PartitionSplitState> {
  constructor(private readonly metrics: SourceReaderMetricGroup) {}

  emitRecord(line: PartitionLine<T>, output: SourceOutput<T>, state: PartitionSplitState): void {
    output.collect(line.value);
    state.offset = line.nextOffset;
    this.metrics.numBytesIn.inc(line.bytes);
  }
}

/** The source reader: core's `SourceReaderBase` with one fetch loop over the assigned partitions. */
export class JsonLinesPartitionReader<T> extends SourceReaderBase<
  PartitionLine<T>,
  T,
  PartitionSplit,
  PartitionSplitState
> {
  constructor(context: SourceReaderContext, maxLinesPerFetch: number) {
    const manager = new SingleSplitFetcherManager<PartitionLine<T>, PartitionSplit>(
      () => new PartitionSplitReader<T>(maxLinesPerFetch),
      {},
      context.logger,
    );
    super(manager, new PartitionLineEmitter<T>(context.metricGroup), context);
  }

  override start(): void {
    this.context.sendSplitRequest();
  }

  protected initializedState(split: PartitionSplit): PartitionSplitState {
    return { split, offset: split.offset };
  }

  protected toSplitType(_splitId: string, state: PartitionSplitState): PartitionSplit {
    return { ...state.split, offset: state.offset };
  }

  protected onSplitFinished(): void {
    this.context.sendSplitRequest();
  }
}
