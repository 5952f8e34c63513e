import type { ChangeRecord } from '@tributary/core';
import type { BinlogOffset, BinlogPosition } from '../binlog/binlog-position.js';
import type { Row } from '../schema/value-converter.js';
import type { ChunkSnapshot } from '../snapshot/chunk-reader.js';
import type { SnapshotSplit } from './mysql-cdc-split.js';
import type { CdcRecord } from './schema-change-event.js';

/**
 * What the fetch loop hands the reader: a whole chunk (emitted in chunk-key groups), the records
 * of one binlog row (or a schema change) with the offset after it (a commit or heartbeat hands an
 * empty one to move the position), or the news that the binlog position was purged.
 */
export type CdcElement =
  | {
      readonly kind: 'chunk';
      readonly records: readonly ChangeRecord<Row>[];
      readonly highWatermark: BinlogPosition;
      /**
       * Index of the first record of each chunk-key group (rows sharing a chunk-key value; one
       * group for a non-integer key). The reader emits whole groups, so a checkpoint between
       * two emits cuts the chunk at a key boundary.
       */
      readonly groupStarts: readonly number[];
    }
  | {
      readonly kind: 'change';
      readonly records: readonly CdcRecord[];
      readonly offset: BinlogOffset;
      /** Captured tables that came into existence here (CREATE/RENAME): known from now on. */
      readonly addTables?: readonly string[];
    }
  /** The binlog split found newly added tables: they are known, and these chunks are to be read. */
  | {
      readonly kind: 'new-tables';
      readonly tables: readonly string[];
      readonly chunks: readonly SnapshotSplit[];
    }
  /** A chunk of a newly added table, read by the binlog split's reader before it streams. */
  | { readonly kind: 'table-chunk'; readonly chunk: SnapshotSplit; readonly snapshot: ChunkSnapshot }
  | { readonly kind: 'purged' };
