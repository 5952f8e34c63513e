import type { ChangeRecord } from '@tributary/core';
import type { BinlogOffset, BinlogPosition } from '../binlog/binlog-position.js';
import type { Row } from '../schema/value-converter.js';

/**
 * What the fetch loop hands the reader: a whole chunk (emitted in chunk-key groups), the records of one binlog row with the offset after it (a commit hands an
 * empty one to move to the next transaction), or the news that the binlog position was purged.
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
  | { readonly kind: 'change'; readonly records: readonly ChangeRecord<Row>[]; readonly offset: BinlogOffset }
  | { readonly kind: 'purged' };
