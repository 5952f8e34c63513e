import type { BinlogPosition } from '../binlog/binlog-position.js';
import { compareBinlogPositions } from '../binlog/binlog-position.js';
import type { FinishedChunk } from '../source/mysql-cdc-split.js';
import { inRange } from './chunk-range.js';

/**
 * The binlog split's filter: a change is already in the snapshot when its transaction started
 * before the high watermark of the chunk holding its key. Past the largest high watermark every
 * change is new, and the lookups stop.
 */
export class ChunkIndex {
  private readonly byTable = new Map<string, FinishedChunk[]>();
  private readonly maxHighWatermark: BinlogPosition | undefined;

  constructor(chunks: readonly FinishedChunk[]) {
    let max: BinlogPosition | undefined;
    for (const chunk of chunks) {
      const key = `${chunk.db}.${chunk.table}`;
      let list = this.byTable.get(key);
      if (list === undefined) {
        list = [];
        this.byTable.set(key, list);
      }
      list.push(chunk);
      if (max === undefined || compareBinlogPositions(chunk.highWatermark, max) > 0)
        max = chunk.highWatermark;
    }
    this.maxHighWatermark = max;
  }

  /** True when every change at `position` or later is past all chunks. */
  isPast(position: BinlogPosition): boolean {
    return (
      this.maxHighWatermark === undefined || compareBinlogPositions(position, this.maxHighWatermark) >= 0
    );
  }

  /** True when the snapshot already holds the change of `row` made by the transaction at `position`. */
  covers(db: string, table: string, row: Record<string, unknown>, position: BinlogPosition): boolean {
    if (this.isPast(position)) return false;
    const chunks = this.byTable.get(`${db}.${table}`);
    if (chunks === undefined) return false;
    for (const chunk of chunks) {
      if (inRange(chunk, row[chunk.chunkKey]))
        return compareBinlogPositions(position, chunk.highWatermark) < 0;
    }
    return false;
  }
}
