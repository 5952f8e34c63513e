import {
  type BatchRecordEmitter,
  collectBatch,
  type FilePosition,
  type FileReadBatch,
  filePositionAt,
  type SourceOutput,
} from '@tributary/core';
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
 * Emits a `FileReadBatch` (one element per read chunk) in record ranges, as a
 * {@link BatchRecordEmitter}: the reader counts records against `maxRecordsPerPoll` and may stop
 * inside a chunk, so each range is a plain loop and moves the split's position to the position
 * after its last record. A checkpoint (taken between polls) is then exactly the emitted position,
 * even in the middle of a chunk.
 */
export class FileRecordEmitter<T>
  implements BatchRecordEmitter<FileReadBatch<T>, T | FileRecord<T>, FileSplitState>
{
  constructor(private readonly withMetadata: boolean) {}

  recordCount(batch: FileReadBatch<T>): number {
    return batch.records.length;
  }

  emitRecord(batch: FileReadBatch<T>, output: SourceOutput<T | FileRecord<T>>, state: FileSplitState): void {
    this.emitRecords(batch, 0, batch.records.length, output, state);
  }

  emitRecords(
    batch: FileReadBatch<T>,
    from: number,
    to: number,
    output: SourceOutput<T | FileRecord<T>>,
    state: FileSplitState,
  ): void {
    if (to <= from) return;
    const records = batch.records;
    if (!this.withMetadata) {
      // One call per range: the runtime's output adopts the array instead of pushing each record.
      // A whole chunk's array is handed over as it is (the reader is done with it); a part is a copy.
      const range = from === 0 && to === records.length ? records : records.slice(from, to);
      // A fresh timestamps array each time: the output may keep it and append to it.
      collectBatch(output, range, []);
    } else {
      const { path, fileSize, modificationTime } = state.split;
      const lines = batch.lineNumbers;
      for (let i = from; i < to; i++) {
        output.collect({
          value: records[i] as T,
          path,
          size: fileSize,
          modificationTime,
          line: lines?.[i],
          position: filePositionAt(batch, i),
        });
      }
    }
    state.position = filePositionAt(batch, to - 1);
  }
}
