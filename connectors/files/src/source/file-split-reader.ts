import {
  type FileFormat,
  type FileReadBatch,
  type FileRecordReader,
  filePositionAt,
  RecordsBySplits,
  type RecordsWithSplitIds,
  type SourceReaderMetricGroup,
  type SplitReader,
  type SplitsChange,
} from '@tributary/core';
import { type Compression, compressionOf } from '../fs/compression.js';
import { LocalFileInput } from '../fs/local-file-input.js';
import type { FileSourceSplit } from './file-source-split.js';

export interface FileSplitReaderOptions {
  readonly compression: 'auto' | Compression;
  readonly readChunkBytes: number;
}

/**
 * Reads the assigned file splits one after the other (Flink's `FileSourceSplitReader`): each
 * `fetch()` hands over one `FileReadBatch` of the current split, as one element, so the
 * per-record path stays a plain loop over the batch (the {@link FileRecordEmitter} emits it in
 * ranges of at most `maxRecordsPerPoll` records). A split reports finished once its format
 * reader returned null.
 *
 * A fetch reads one chunk, which is short, so `wakeUp()` needs no interruption.
 */
export class FileSplitReader<T> implements SplitReader<FileReadBatch<T>, FileSourceSplit> {
  private readonly queue: FileSourceSplit[] = [];
  private current: { readonly split: FileSourceSplit; readonly reader: FileRecordReader<T> } | undefined;
  /** Offset after the last fetched record of the current split (uncompressed files). */
  private currentOffset: number | undefined;
  /** True once a split was assigned: before that the unread bytes are unknown, not 0. */
  private everAssigned = false;

  constructor(
    private readonly format: FileFormat<T>,
    private readonly options: FileSplitReaderOptions,
    private readonly metrics: SourceReaderMetricGroup,
  ) {
    metrics.setPendingBytesGauge(() => this.pendingBytes());
  }

  /**
   * Bytes of the assigned splits not read yet: the rest of the current split and every queued
   * one. A compressed file counts its stored size until it is read to the end (its offsets count
   * decompressed bytes, so the stored position is not known).
   */
  pendingBytes(): number | undefined {
    if (!this.everAssigned) return undefined;
    let pending = 0;
    for (const split of this.queue) pending += this.unread(split, split.position?.offset);
    if (this.current !== undefined) pending += this.unread(this.current.split, this.currentOffset);
    return pending;
  }

  private unread(split: FileSourceSplit, offset: number | undefined): number {
    if (compressionOf(split.path, this.options.compression) !== 'none') return split.fileSize;
    const end = Math.min(split.end ?? split.fileSize, split.fileSize);
    return Math.max(0, end - Math.max(offset ?? split.start, split.start));
  }

  async fetch(): Promise<RecordsWithSplitIds<FileReadBatch<T>>> {
    const current = this.current ?? (await this.openNext());
    if (!current) return RecordsBySplits.empty();
    const batch = await current.reader.readBatch();
    if (batch === null) {
      this.current = undefined;
      this.currentOffset = undefined;
      await current.reader.close();
      return RecordsBySplits.finished([current.split.splitId]);
    }
    this.metrics.numBytesIn.inc(batch.bytesRead);
    const count = batch.records.length;
    if (count > 0) this.currentOffset = filePositionAt(batch, count - 1).offset;
    if (batch.skippedErrors) this.metrics.numRecordsInErrors.inc(batch.skippedErrors);
    if (batch.deadLetters) this.metrics.numRecordsInErrors.inc(batch.deadLetters);
    return RecordsBySplits.forSplit(current.split.splitId, [batch]);
  }

  async handleSplitsChanges(change: SplitsChange<FileSourceSplit>): Promise<void> {
    if (change.type === 'add') {
      this.everAssigned = true;
      this.queue.push(...change.splits);
      return;
    }
    const removed = new Set(change.splits.map((s) => s.splitId));
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (removed.has((this.queue[i] as FileSourceSplit).splitId)) this.queue.splice(i, 1);
    }
    if (this.current && removed.has(this.current.split.splitId)) {
      const { reader } = this.current;
      this.current = undefined;
      this.currentOffset = undefined;
      await reader.close();
    }
  }

  wakeUp(): void {}

  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.reader.close();
  }

  private async openNext(): Promise<typeof this.current> {
    const split = this.queue.shift();
    if (!split) return undefined;
    const input = await LocalFileInput.open(split.path, {
      size: split.fileSize,
      compression: this.options.compression,
      chunkBytes: this.options.readChunkBytes,
    });
    const reader = this.format.createReader(input, {
      start: split.start,
      end: split.end ?? undefined,
      restoredPosition: split.position ?? undefined,
    });
    this.current = { split, reader };
    this.currentOffset = split.position?.offset;
    return this.current;
  }
}
