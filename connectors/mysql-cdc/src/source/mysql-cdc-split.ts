import type { SourceSplit } from '@tributary/core';
import type { BinlogOffset, BinlogPosition } from '../binlog/binlog-position.js';

/**
 * A key range of one table: `chunkKey >= start AND chunkKey < end` (integers as decimal text;
 * an absent bound is open). Parts already emitted are in `done`, each with the high watermark
 * its rows are consistent with: a checkpoint in the middle of a chunk cuts it at a chunk-key
 * boundary, the emitted part is done, and a restore reads only `[start, end)` again — at a new
 * watermark, which is fine because the binlog split filters each part by its own. `finished`:
 * every part is done; the split is then only kept so the enumerator learns the watermarks
 * even across a crash.
 */
export interface SnapshotSplit extends SourceSplit {
  readonly kind: 'snapshot';
  readonly db: string;
  readonly table: string;
  readonly chunkKey: string;
  /** Columns that identify a row (primary key, else the chunk key). */
  readonly keyColumns: readonly string[];
  readonly start?: string;
  readonly end?: string;
  readonly done?: readonly FinishedChunk[];
  readonly finished?: boolean;
}

/** A chunk that was read, as the binlog split needs it to filter events. */
export interface FinishedChunk {
  readonly db: string;
  readonly table: string;
  readonly chunkKey: string;
  readonly start?: string;
  readonly end?: string;
  readonly highWatermark: BinlogPosition;
}

/**
 * The one binlog split: reads from `offset` and emits a row change only if its transaction
 * starts at or after the high watermark of the chunk holding its key (tables without chunks:
 * always). `notBeforeMs` skips transactions older than a start timestamp.
 */
export interface BinlogSplit extends SourceSplit {
  readonly kind: 'binlog';
  readonly offset: BinlogOffset;
  readonly chunks: readonly FinishedChunk[];
  readonly notBeforeMs?: number;
  /**
   * Captured tables (`db.table`) the split knows: snapshotted, or created after its start. When
   * the split starts (a restore), tables the patterns match beyond these are newly added: they are
   * snapshotted first (`newTableChunks`), then streamed. Absent in binlog-only startup modes.
   */
  readonly tables?: readonly string[];
  /** Chunks of newly added tables not read yet; the split streams once none is left. */
  readonly newTableChunks?: readonly SnapshotSplit[];
}

export type MySqlCdcSplit = SnapshotSplit | BinlogSplit;

export const BINLOG_SPLIT_ID = 'binlog';
