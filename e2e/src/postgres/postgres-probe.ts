import pg from 'pg';
import type { PostgresConnection } from '../harness/service-types.js';

/** Reads `max_prepared_transactions` (0 means `PREPARE TRANSACTION` is disabled). */
export async function readMaxPreparedTransactions(
  connection: PostgresConnection,
  timeoutMs = 5_000,
): Promise<number> {
  const client = new pg.Client({ ...connection, connectionTimeoutMillis: timeoutMs });
  await client.connect();
  try {
    const result = await client.query<{ max_prepared_transactions: string }>(
      'SHOW max_prepared_transactions',
    );
    return Number(result.rows[0]?.max_prepared_transactions ?? 0);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Readiness of any instance, whatever its settings: a login and `SELECT 1`. */
export async function probePostgresLogin(connection: PostgresConnection, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new Error('PostgreSQL probe aborted');
  const client = new pg.Client({ ...connection, connectionTimeoutMillis: 5_000 });
  // A server going down mid-probe emits 'error' on the client; the failed query reports it.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The PostgreSQL readiness check: a login succeeds and prepared transactions are enabled
 * (`max_prepared_transactions` > 0), which the exactly-once JDBC sink tests need.
 */
export async function probePostgres(connection: PostgresConnection, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new Error('PostgreSQL probe aborted');
  const max = await readMaxPreparedTransactions(connection);
  if (max <= 0)
    throw new Error('PostgreSQL has max_prepared_transactions = 0 (prepared transactions disabled)');
}
