import type { FilePosition, FileReadBatch, RecordEmitter, SourceOutput } from '@tributary/core';
import type { FileSplitState } from './file-source-split.js';

/** A record with where it came from (`withMetadata: true`). */
export interface FileRecord<T> {
  readonly value: T;
  /** Absolute path of the file. */
  readonly path: string;
  /** File size in bytes as listed (compressed size for compressed files). */
  readonly size: number;
  /** Modification time of the file as listed (ms since the epoch). */
  readonly modificationTime: number;
  /** 1-based line (or record) number, when the format knows it (reading started at byte 0). */
  readonly line: number | undefined;
  /** Resume position right after this record: unique and stable within the file (a dedup key with `path`). */
  readonly position: FilePosition;
}

/**
 * Emits a whole `FileReadBatch` per element (one call per batch, a plain loop per record) and
 * moves the split's position to the position after the batch's last record, so a checkpoint
 * (taken between polls) is exactly the emitted position.
 */
export class FileRecordEmitter<T>
  implements RecordEmitter<FileReadBatch<T>, T | FileRecord<T>, FileSplitState>
{
  constructor(private readonly withMetadata: boolean) {}

  emitRecord(batch: FileReadBatch<T>, output: SourceOutput<T | FileRecord<T>>, state: FileSplitState): void {
    const { records, positions } = batch;
    const n = records.length;
    if (n === 0) return;
    if (!this.withMetadata) {
      for (let i = 0; i < n; i++) output.collect(records[i] as T);
    } else {
      const { path, fileSize, modificationTime } = state.split;
      const lines = batch.lineNumbers;
      for (let i = 0; i < n; i++) {
        output.collect({
          value: records[i] as T,
          path,
          size: fileSize,
          modificationTime,
          line: lines?.[i],
          position: positions[i] as FilePosition,
        });
      }
    }
    state.position = positions[n - 1] as FilePosition;
  }
}
