import { TributaryError } from '@tributary/core';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { MySqlCdcErrorCodes } from '../mysql-cdc-error-codes.js';
import { checkServer, preflightMessage } from './server-checks.js';

const VARIABLES = [
  'log_bin',
  'binlog_format',
  'binlog_row_image',
  'binlog_row_metadata',
  'log_bin_compress',
  'binlog_transaction_compression',
  'gtid_mode',
  'server_id',
  'version',
];

/** Runs {@link checkServer} against a live server; throws TRIB_CDC_PREFLIGHT_FAILED listing every problem. */
export async function preflight(connection: Connection, readerServerIds: readonly number[]): Promise<void> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${VARIABLES.map(() => '?').join(', ')})`,
    VARIABLES,
  );
  const variables = Object.fromEntries(
    rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]),
  );
  const [grantRows] = await connection.query<RowDataPacket[]>('SHOW GRANTS FOR CURRENT_USER()');
  const grants = grantRows.map((r) => String(Object.values(r)[0]));
  const isMariaDb = /mariadb/i.test(variables.version ?? '');
  const problems = checkServer({ variables, grants, isMariaDb, readerServerIds });
  if (problems.length > 0)
    throw new TributaryError(MySqlCdcErrorCodes.PREFLIGHT_FAILED, preflightMessage(problems), {
      context: { problems: problems.map((p) => p.check) },
    });
}

/** Throws TRIB_CDC_BINLOG_PURGED when `file` is no longer among the server's binlogs. */
export async function checkBinlogRetained(connection: Connection, file: string): Promise<boolean> {
  const [rows] = await connection.query<RowDataPacket[]>('SHOW BINARY LOGS');
  return rows.some((r) => String(r.Log_name) === file);
}
