import type { Connection } from 'mysql2/promise';
import type { BinlogPosition } from '../binlog/binlog-position.js';
import type { ChunkReader } from '../snapshot/chunk-reader.js';
import { capturedTables, planTableChunks } from '../snapshot/snapshot-plan.js';
import type { CdcElement } from './cdc-element.js';
import type { ResolvedMySqlCdcSourceOptions } from './mysql-cdc-source-options.js';
import type { BinlogSplit, FinishedChunk, SnapshotSplit } from './mysql-cdc-split.js';

/** The binlog filter's record of a chunk read at `highWatermark`. */
export function finishedChunkOf(chunk: SnapshotSplit, highWatermark: BinlogPosition): FinishedChunk {
  return {
    db: chunk.db,
    table: chunk.table,
    chunkKey: chunk.chunkKey,
    ...(chunk.start === undefined ? {} : { start: chunk.start }),
    ...(chunk.end === undefined ? {} : { end: chunk.end }),
    highWatermark,
  };
}

/**
 * Newly added tables of a restored binlog split: tables the patterns capture now that the split
 * does not know (the patterns were widened, or a table existed unmatched). Before the split
 * streams, its reader plans their chunks and reads them one by one with the same watermark
 * algorithm, at watermarks after the split's offset; the chunks join the split's filter, so
 * the binlog from the offset skips what they hold (Flink CDC's newly-added-table scan, run by
 * the binlog split's reader instead of in parallel).
 */
export class NewTableSnapshot {
  private pending: SnapshotSplit[] | undefined;
  private readonly added: FinishedChunk[] = [];
  private readonly addedTables: string[] = [];

  constructor(
    private readonly split: BinlogSplit,
    private readonly connection: () => Promise<Connection>,
    private readonly chunkReader: ChunkReader,
    private readonly options: ResolvedMySqlCdcSourceOptions,
  ) {}

  /** The next element to emit before streaming; undefined once every new table was read. */
  async next(): Promise<CdcElement | undefined> {
    if (this.pending === undefined) {
      const planned = await this.plan();
      if (planned !== undefined) return planned;
    }
    const chunk = this.pending?.[0];
    if (chunk === undefined) return undefined;
    const snapshot = await this.chunkReader.read(chunk);
    this.pending?.shift();
    this.added.push(finishedChunkOf(chunk, snapshot.highWatermark));
    return { kind: 'table-chunk', chunk, snapshot };
  }

  /** The split to stream: its chunks and tables with the new ones. */
  streamingSplit(): BinlogSplit {
    const { newTableChunks: _pending, ...split } = this.split;
    return {
      ...split,
      chunks: [...split.chunks, ...this.added],
      ...(split.tables === undefined ? {} : { tables: [...split.tables, ...this.addedTables] }),
    };
  }

  /** Resumes a plan the checkpoint has, or looks for new tables (a `new-tables` element if any). */
  private async plan(): Promise<CdcElement | undefined> {
    const { tables, newTableChunks } = this.split;
    if (newTableChunks !== undefined || tables === undefined) {
      this.pending = [...(newTableChunks ?? [])];
      return undefined;
    }
    const connection = await this.connection();
    const known = new Set(tables);
    const fresh = (await capturedTables(connection, this.options)).filter(
      (t) => !known.has(`${t.db}.${t.table}`),
    );
    this.pending = await planTableChunks(connection, this.options, fresh);
    if (fresh.length === 0) return undefined;
    const names = fresh.map((t) => `${t.db}.${t.table}`);
    this.addedTables.push(...names);
    return { kind: 'new-tables', tables: names, chunks: [...this.pending] };
  }
}
