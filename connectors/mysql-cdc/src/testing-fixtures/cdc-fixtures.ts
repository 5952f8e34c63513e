import { type ChangeRecord, loadCheckpointDir } from '@tributary/core';
import type { MariaDbService } from '@tributary/e2e';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { BinlogOffset, BinlogPosition } from '../binlog/binlog-position.js';
import type { MySqlCdcSource } from '../source/mysql-cdc-source.js';
import type { MySqlCdcSourceOptionsInput } from '../source/mysql-cdc-source-options.js';

let nextServerIdBlock = 0;

/** Source options for the harness MariaDB; each call gets its own block of server ids. */
export function cdcOptions(
  mariadb: MariaDbService,
  tables: string[],
  extra: Partial<MySqlCdcSourceOptionsInput> = {},
): MySqlCdcSourceOptionsInput {
  const { host, port, user, password } = mariadb.connectionOptions();
  nextServerIdBlock += 1;
  return {
    host: host as string,
    port: port as number,
    user: user as string,
    ...(password === undefined ? {} : { password: password as string }),
    tables,
    serverIdStart: 10_000 + (process.pid % 1000) * 64 + nextServerIdBlock * 8,
    ...extra,
  };
}

/** Text of a key, independent of number/bigint/string representation. */
export function keyOf(row: Record<string, unknown>, keyColumns: readonly string[]): string {
  return keyColumns.map((c) => String(row[c])).join('|');
}

/** Applies change records to a keyed view of a table (what an upsert sink does). */
export function applyChange(
  view: Map<string, Record<string, unknown>>,
  record: ChangeRecord,
  keyColumns: readonly string[],
): void {
  if (record.op === 'd') view.delete(keyOf(record.before as Record<string, unknown>, keyColumns));
  else {
    const after = record.after as Record<string, unknown>;
    view.set(keyOf(after, keyColumns), after);
  }
}

/** The table as mysql2 reads it, normalized to text per column (the oracle: no connector code). */
export async function readTableText(
  connection: Connection,
  table: string,
  keyColumns: readonly string[],
): Promise<Map<string, Record<string, string | null>>> {
  const [rows] = await connection.query<RowDataPacket[]>({
    sql: `SELECT * FROM ${table}`,
    rowsAsArray: false,
  });
  const out = new Map<string, Record<string, string | null>>();
  for (const row of rows) out.set(keyOf(row, keyColumns), textRow(row));
  return out;
}

/** A row with each value as text (Buffers as hex), for type-independent comparisons. */
export function textRow(row: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(row))
    out[k] = v === null || v === undefined ? null : Buffer.isBuffer(v) ? `0x${v.toString('hex')}` : String(v);
  return out;
}

/** The server's current binlog position (`SHOW MASTER STATUS`). */
export async function masterStatus(connection: Connection): Promise<BinlogPosition> {
  const [rows] = await connection.query<RowDataPacket[]>('SHOW MASTER STATUS');
  return { file: String(rows[0]?.File), pos: Number(rows[0]?.Position) };
}

/** The binlog split's offset in a checkpoint or savepoint directory (what a restore resumes from). */
export async function savedBinlogOffset(
  source: Pick<MySqlCdcSource, 'splitSerializer'>,
  checkpointDir: string,
): Promise<BinlogOffset | undefined> {
  const data = await loadCheckpointDir(checkpointDir);
  for (const stored of data.subtasks.flatMap((s) => s.splits)) {
    const split = source.splitSerializer.deserialize(stored.v, Buffer.from(stored.b64, 'base64'));
    if (split.kind === 'binlog') return split.offset;
  }
  return undefined;
}

/**
 * Purges every binlog before the current one and waits until the server really dropped them.
 * MariaDB skips, without an error, a file whose transactions are not yet in a binlog checkpoint
 * (its background thread writes that checkpoint a moment after `FLUSH BINARY LOGS`), so one
 * `PURGE` may leave the file a test means to remove; a resume from it would then just stream on.
 */
export async function purgeBinlogsBeforeCurrent(
  connection: Connection,
  deadlineMs = 30_000,
): Promise<string> {
  const { file: current } = await masterStatus(connection);
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    await connection.query(`PURGE BINARY LOGS TO '${current}'`);
    const [logs] = await connection.query<RowDataPacket[]>('SHOW BINARY LOGS');
    const left = logs.map((r) => String(r.Log_name)).filter((name) => name !== current);
    if (left.length === 0) return current;
    if (Date.now() > deadline)
      throw new Error(
        `PURGE BINARY LOGS TO '${current}' left ${left.join(', ')} on the server for ${deadlineMs} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
