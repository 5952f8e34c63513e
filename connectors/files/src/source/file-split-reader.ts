import {
  type FileFormat,
  type FileReadBatch,
  type FileRecordReader,
  RecordsBySplits,
  type RecordsWithSplitIds,
  type SourceReaderMetricGroup,
  type SplitReader,
  type SplitsChange,
} from '@tributary/core';
import type { Compression } from '../fs/compression.js';
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

  constructor(
    private readonly format: FileFormat<T>,
    private readonly options: FileSplitReaderOptions,
    private readonly metrics: SourceReaderMetricGroup,
  ) {}

  async fetch(): Promise<RecordsWithSplitIds<FileReadBatch<T>>> {
    const current = this.current ?? (await this.openNext());
    if (!current) return RecordsBySplits.empty();
    const batch = await current.reader.readBatch();
    if (batch === null) {
      this.current = undefined;
      await current.reader.close();
      return RecordsBySplits.finished([current.split.splitId]);
    }
    this.metrics.numBytesIn.inc(batch.bytesRead);
    if (batch.skippedErrors) this.metrics.numRecordsInErrors.inc(batch.skippedErrors);
    if (batch.deadLetters) this.metrics.numRecordsInErrors.inc(batch.deadLetters);
    return RecordsBySplits.forSplit(current.split.splitId, [batch]);
  }

  async handleSplitsChanges(change: SplitsChange<FileSourceSplit>): Promise<void> {
    if (change.type === 'add') {
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
    return this.current;
  }
}
