import { createConnection, type RowDataPacket } from 'mysql2/promise';
import type { MariaDbConnection } from '../harness/service-types.js';

/** The server settings CDC tests depend on, as the server reports them. */
export interface MariaDbCdcSettings {
  readonly version: string;
  readonly logBin: boolean;
  readonly binlogFormat: string;
  readonly binlogRowImage: string;
  readonly binlogRowMetadata: string;
  readonly serverId: number;
  readonly gtidStrictMode: boolean;
}

/** Reads the CDC-relevant server variables (one connection, one query). */
export async function readMariaDbSettings(
  connection: MariaDbConnection,
  timeoutMs = 5_000,
): Promise<MariaDbCdcSettings> {
  const client = await createConnection({
    host: connection.host,
    port: connection.port,
    user: connection.user,
    password: connection.password,
    connectTimeout: timeoutMs,
  });
  try {
    const [rows] = await client.query<RowDataPacket[]>(
      'SELECT @@version AS version, @@log_bin AS logBin, @@binlog_format AS binlogFormat, ' +
        '@@binlog_row_image AS binlogRowImage, @@binlog_row_metadata AS binlogRowMetadata, @@server_id AS serverId, @@gtid_strict_mode AS gtidStrictMode',
    );
    const row: Record<string, unknown> = rows[0] ?? {};
    return {
      version: String(row.version),
      logBin: Number(row.logBin) === 1,
      binlogFormat: String(row.binlogFormat),
      binlogRowImage: String(row.binlogRowImage),
      binlogRowMetadata: String(row.binlogRowMetadata),
      serverId: Number(row.serverId),
      gtidStrictMode: Number(row.gtidStrictMode) === 1,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What is missing for CDC, or an empty list when the server is ready for it. */
export function missingCdcSettings(settings: MariaDbCdcSettings): string[] {
  const missing: string[] = [];
  if (!settings.logBin) missing.push('log_bin=ON');
  if (settings.binlogFormat !== 'ROW') missing.push(`binlog_format=ROW (is ${settings.binlogFormat})`);
  if (settings.binlogRowImage !== 'FULL')
    missing.push(`binlog_row_image=FULL (is ${settings.binlogRowImage})`);
  if (settings.binlogRowMetadata !== 'FULL')
    missing.push(`binlog_row_metadata=FULL (is ${settings.binlogRowMetadata})`);
  if (settings.serverId <= 0) missing.push('server_id>0');
  return missing;
}

/** Readiness of any instance, whatever its settings: a login and `SELECT 1`. */
export async function probeMariaDbLogin(connection: MariaDbConnection, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new Error('MariaDB probe aborted');
  const client = await createConnection({ ...connection, connectTimeout: 5_000 });
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The MariaDB readiness check: a login succeeds and the binlog is on, in ROW format with full row
 * images and metadata. A server without them is "not ready" for CDC tests even though it answers.
 */
export async function probeMariaDb(connection: MariaDbConnection, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new Error('MariaDB probe aborted');
  const settings = await readMariaDbSettings(connection);
  const missing = missingCdcSettings(settings);
  if (missing.length > 0) throw new Error(`MariaDB is not configured for CDC: needs ${missing.join(', ')}`);
}
