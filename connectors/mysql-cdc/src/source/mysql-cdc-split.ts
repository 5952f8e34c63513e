import type { SourceSplit } from '@tributary/core';
import type { BinlogOffset, BinlogPosition } from '../binlog/binlog-position.js';

/**
 * A key range of one table: `chunkKey >= start AND chunkKey < end` (integers as decimal text;
 * an absent bound is open). When the chunk was read, `highWatermark` is the binlog position its
 * rows are consistent with; the split is then finished and only kept so the enumerator learns
 * the watermark even across a crash.
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
  readonly highWatermark?: BinlogPosition;
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
}

export type MySqlCdcSplit = SnapshotSplit | BinlogSplit;

export const BINLOG_SPLIT_ID = 'binlog';

export function finishedChunkOf(split: SnapshotSplit): FinishedChunk {
  if (split.highWatermark === undefined) throw new Error(`chunk ${split.splitId} has no high watermark`);
  return {
    db: split.db,
    table: split.table,
    chunkKey: split.chunkKey,
    ...(split.start === undefined ? {} : { start: split.start }),
    ...(split.end === undefined ? {} : { end: split.end }),
    highWatermark: split.highWatermark,
  };
}
