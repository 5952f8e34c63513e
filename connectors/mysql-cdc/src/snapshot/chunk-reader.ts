import { type ChangeRecord, TributaryError } from '@tributary/core';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { BinlogClient, BinlogEvent } from '../binlog/binlog-client.js';
import { type BinlogPosition, compareBinlogPositions } from '../binlog/binlog-position.js';
import { changeRecordsOf } from '../binlog/change-records.js';
import { MySqlCdcErrorCodes } from '../mysql-cdc-error-codes.js';
import { BinlogRowConverters } from '../schema/binlog-row-converters.js';
import type { SchemaCache } from '../schema/schema-cache.js';
import type { Row } from '../schema/value-converter.js';
import type { SnapshotSplit } from '../source/mysql-cdc-split.js';
import { qualifiedName, quoteIdentifier } from './chunk-planner.js';
import { inRange, integerKey, rowKeyText } from './chunk-range.js';

/** A chunk read consistently: its rows as of `highWatermark`. */
export interface ChunkSnapshot {
  readonly records: ChangeRecord<Row>[];
  readonly highWatermark: BinlogPosition;
}

/**
 * Reads one chunk with Flink CDC's watermark algorithm, MariaDB flavour:
 *
 * 1. low watermark: `START TRANSACTION WITH CONSISTENT SNAPSHOT` and the snapshot's own binlog
 *    position (`binlog_snapshot_file/position`). MariaDB takes both under the binlog group-commit
 *    lock, so the SELECT sees exactly the transactions written before that position — none that
 *    is in the binlog but not yet visible (the race that makes `SHOW MASTER STATUS` before a
 *    SELECT unsafe as a low watermark).
 * 2. the chunk SELECT, without locks, in that transaction;
 * 3. high watermark: `SHOW MASTER STATUS` after the SELECT;
 * 4. backfill: when they differ, the binlog between them is replayed onto the chunk's rows
 *    (insert/update replace, delete removes, by key, only keys in the chunk), so the chunk is
 *    the table's state at the high watermark.
 */
export class ChunkReader {
  private readonly converters: BinlogRowConverters;

  constructor(
    private readonly connection: () => Promise<Connection>,
    private readonly schemas: SchemaCache,
    private readonly binlogClient: () => BinlogClient,
    private readonly serverId: number,
  ) {
    this.converters = new BinlogRowConverters(schemas);
  }

  async read(split: SnapshotSplit): Promise<ChunkSnapshot> {
    const connection = await this.connection();
    const converter = await this.schemas.converter(split.db, split.table);
    if (converter === undefined)
      throw new TributaryError(
        MySqlCdcErrorCodes.SNAPSHOT_FAILED,
        `Table ${split.db}.${split.table} does not exist`,
        {
          context: { db: split.db, table: split.table, split: split.splitId },
        },
      );
    const rows = new Map<string, Row>();
    let low: BinlogPosition;
    try {
      await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      try {
        const [status] = await connection.query<RowDataPacket[]>("SHOW STATUS LIKE 'binlog_snapshot_%'");
        low = snapshotPosition(status);
        const { sql, values } = chunkQuery(split);
        const [result] = await connection.query<RowDataPacket[]>({ sql, values });
        for (const raw of result) {
          const row = converter.convert(raw as Row);
          rows.set(rowKeyText(row, split.keyColumns), row);
        }
      } finally {
        await connection.query('COMMIT');
      }
    } catch (cause) {
      if (cause instanceof TributaryError) throw cause;
      throw new TributaryError(
        MySqlCdcErrorCodes.SNAPSHOT_FAILED,
        `Snapshot of chunk ${split.splitId} failed: ${(cause as Error).message}`,
        { cause, retriable: true, context: { db: split.db, table: split.table, split: split.splitId } },
      );
    }
    const high = await masterPosition(connection);
    if (compareBinlogPositions(low, high) < 0) await this.backfill(split, rows, low, high);
    const source = { file: high.file, pos: high.pos, db: split.db, table: split.table, tsMs: 0 };
    const tsMs = Date.now();
    const records: ChangeRecord<Row>[] = [];
    for (const after of sortByChunkKey([...rows.values()], split.chunkKey))
      records.push({ op: 'r', before: null, after, source, tsMs });
    return { records, highWatermark: high };
  }

  /** Replays the binlog from `low` to `high` onto the chunk's rows. */
  private async backfill(
    split: SnapshotSplit,
    rows: Map<string, Row>,
    low: BinlogPosition,
    high: BinlogPosition,
  ) {
    const events: BinlogEvent[] = [];
    const client = this.binlogClient();
    let done = false;
    try {
      await new Promise<void>((resolve, reject) => {
        client
          .start(
            { start: low, serverId: this.serverId },
            {
              onEvent: (event) => {
                if (done) return;
                if (event.type === 'begin' && compareBinlogPositions(event.position, high) >= 0) done = true;
                else events.push(event);
                if (event.type === 'commit' && compareBinlogPositions(event.next, high) >= 0) done = true;
                if (done) resolve();
              },
              onError: reject,
            },
          )
          .catch(reject);
      });
    } finally {
      await client.close();
    }
    for (const event of events) {
      if (event.type !== 'rows' || event.db !== split.db || event.table !== split.table) continue;
      const converter = await this.converters.of(event);
      if (converter === undefined) continue;
      for (let i = 0; i < event.rows.length; i++) {
        for (const record of changeRecordsOf(event, i, converter, split.keyColumns)) {
          const row = (record.op === 'd' ? record.before : record.after) as Row;
          if (!inRange(split, row[split.chunkKey])) continue;
          const key = rowKeyText(row, split.keyColumns);
          if (record.op === 'd') rows.delete(key);
          else rows.set(key, row);
        }
      }
    }
  }
}

function chunkQuery(split: SnapshotSplit): { sql: string; values: string[] } {
  const key = quoteIdentifier(split.chunkKey);
  const where: string[] = [];
  const values: string[] = [];
  if (split.start !== undefined) {
    where.push(`${key} >= ?`);
    values.push(split.start);
  }
  if (split.end !== undefined) {
    where.push(`${key} < ?`);
    values.push(split.end);
  }
  return {
    sql: `SELECT * FROM ${qualifiedName(split)}${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`}`,
    values,
  };
}

function snapshotPosition(status: RowDataPacket[]): BinlogPosition {
  const values = Object.fromEntries(
    status.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]),
  );
  const file = values.binlog_snapshot_file;
  const pos = Number(values.binlog_snapshot_position);
  if (!file || !Number.isFinite(pos))
    throw new TributaryError(
      MySqlCdcErrorCodes.SNAPSHOT_FAILED,
      'The server reports no binlog_snapshot_file/position (needs MariaDB with log_bin on): the consistent-snapshot low watermark is not available',
    );
  return { file, pos };
}

/** The binlog end (a transaction boundary): `SHOW MASTER STATUS`. */
export async function masterPosition(connection: Connection): Promise<BinlogPosition> {
  const [rows] = await connection.query<RowDataPacket[]>('SHOW MASTER STATUS');
  const row = rows[0];
  if (row === undefined)
    throw new TributaryError(
      MySqlCdcErrorCodes.PREFLIGHT_FAILED,
      'SHOW MASTER STATUS is empty: the binlog is off (set log_bin)',
    );
  return { file: String(row.File), pos: Number(row.Position) };
}

/** Rows in chunk-key order (integer keys), so a chunk can be cut at key boundaries. */
function sortByChunkKey(rows: Row[], chunkKey: string): Row[] {
  const keyed = rows.map((row) => ({ row, key: integerKey(row[chunkKey]) }));
  if (keyed.some((k) => k.key === undefined)) return rows;
  keyed.sort((a, b) =>
    (a.key as bigint) < (b.key as bigint) ? -1 : (a.key as bigint) > (b.key as bigint) ? 1 : 0,
  );
  return keyed.map((k) => k.row);
}
