import { open } from 'node:fs/promises';
import {
  type RecordEmitter,
  RecordsBySplitsBuilder,
  type RecordsWithSplitIds,
  SingleSplitFetcherManager,
  type SourceOutput,
  SourceReaderBase,
  type SourceReaderBaseOptionsInput,
  type SourceReaderContext,
  type SourceReaderMetricGroup,
  type SplitReader,
  type SplitsChange,
  TributaryError,
  WakeUpLatch,
} from '@tributary/core';
import type { PartitionSplit } from './partition-source.js';

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
/** Unbounded: how long a fetch waits when no followed partition has grown (wakeUp ends it). */
const TAIL_WAIT_MS = 50;

/**
 * Reads the assigned partitions, up to `maxLines` lines per fetch. Bounded splits are read one
 * after the other, each up to its `stopOffset`. Followed splits (`stopOffset: null`, unbounded
 * mode) never end: they take turns, each fetch reads the complete lines appended since, and a
 * round in which none grew waits briefly instead of spinning. Its own read offsets run ahead of
 * what the reader emitted; after a restore, reading restarts at the emitted offset from the
 * checkpoint.
 */
class PartitionSplitReader<T> implements SplitReader<PartitionLine<T>, PartitionSplit> {
  private readonly queue: { split: PartitionSplit; offset: number }[] = [];
  private readonly latch = new WakeUpLatch();
  /** Followed splits in a row that had nothing new. */
  private unchanged = 0;

  constructor(private readonly maxLines: number) {}

  async fetch(): Promise<RecordsWithSplitIds<PartitionLine<T>>> {
    const builder = new RecordsBySplitsBuilder<PartitionLine<T>>();
    const current = this.queue[0];
    if (current === undefined) return builder.build();
    const { split } = current;
    if (split.stopOffset !== null && current.offset >= split.stopOffset) {
      this.queue.shift();
      return builder.markFinished(split.splitId).build();
    }
    const read = await this.readLines(current, builder);
    if (split.stopOffset !== null) return builder.build();
    // Followed split: the next fetch serves the next one; a whole round without growth waits.
    this.queue.push(this.queue.shift() as (typeof this.queue)[number]);
    this.unchanged = read ? 0 : this.unchanged + 1;
    if (this.unchanged >= this.queue.length) {
      this.unchanged = 0;
      await this.latch.sleep(TAIL_WAIT_MS);
    }
    return builder.build();
  }

  /** Adds the complete lines after `current.offset` (up to `maxLines`); returns whether any. */
  private async readLines(
    current: { split: PartitionSplit; offset: number },
    builder: RecordsBySplitsBuilder<PartitionLine<T>>,
  ): Promise<boolean> {
    const { split } = current;
    const file = await open(split.path, 'r');
    let buffer: Buffer;
    let length: number;
    let end: number;
    try {
      // Followed: up to the current end of the file (appends may have landed since).
      end = split.stopOffset ?? (await file.stat()).size;
      length = Math.min(CHUNK_BYTES, end - current.offset);
      if (length <= 0) return false;
      buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, current.offset);
    } finally {
      await file.close();
    }
    let start = 0;
    let lines = 0;
    while (lines < this.maxLines && start < length) {
      let lineEnd = buffer.indexOf(10, start);
      // A last line without its newline counts at a bounded split's stop (the file's end at
      // discovery); a followed split waits for the newline (the line may still be written).
      if (lineEnd < 0 && split.stopOffset !== null && current.offset + length === end) lineEnd = length;
      if (lineEnd < 0) break;
      const bytes = lineEnd - start + (lineEnd < length ? 1 : 0);
      if (lineEnd > start) {
        const text = buffer.toString('utf8', start, lineEnd);
        builder.add(split.splitId, {
          value: parseLine<T>(text, split, current.offset + start),
          nextOffset: current.offset + start + bytes,
          bytes,
        });
      }
      start += bytes;
      lines++;
    }
    if (start === 0 && (split.stopOffset !== null || length === CHUNK_BYTES)) {
      throw new TributaryError(
        'PARTITIONS_LINE_TOO_LONG',
        `A line in ${split.path} exceeds ${CHUNK_BYTES} bytes`,
        {
          context: { file: split.path, offset: current.offset },
        },
      );
    }
    current.offset += start;
    return start > 0;
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

  // Fetches are short local reads; only the wait of a followed split blocks.
  wakeUp(): void {
    this.latch.wakeUp();
  }

  async close(): Promise<void> {}
}

function parseLine<T>(text: string, split: PartitionSplit, offset: number): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new TributaryError('PARTITIONS_INVALID', `Invalid JSON line in ${split.path} at byte ${offset}`, {
      cause,
      context: { file: split.path, offset },
    });
  }
}

// #region guide-reader
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
export class PartitionReader<T> extends SourceReaderBase<
  PartitionLine<T>,
  T,
  PartitionSplit,
  PartitionSplitState
> {
  constructor(
    context: SourceReaderContext,
    options: SourceReaderBaseOptionsInput & { readonly maxLinesPerFetch: number },
  ) {
    // The same options object to the fetcher manager and the reader: each reads its own keys.
    const manager = new SingleSplitFetcherManager<PartitionLine<T>, PartitionSplit>(
      () => new PartitionSplitReader<T>(options.maxLinesPerFetch),
      options,
      context.logger,
    );
    super(manager, new PartitionLineEmitter<T>(context.metricGroup), context, options);
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
// #endregion guide-reader
