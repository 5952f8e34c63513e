/**
 * Test-only: one database per test file, on the e2e harness's PostgreSQL or MariaDB or in a temp
 * SQLite file, plus an oracle that reads and writes with the plain driver (never the connector).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MariaDbService, type PostgresService, useService, waitUntil } from '@tributary/e2e';
import Database from 'better-sqlite3';
import { type Connection, type ConnectionOptions, createConnection } from 'mysql2/promise';
import pg from 'pg';
import type { JdbcConnectionOptionsInput } from '../dialect/connection-options.js';
import { mariaDbConnection, postgresConnection } from './service-connections.js';

export type TestDatabaseKind = 'postgres' | 'mariadb' | 'sqlite';
export const ALL_KINDS: readonly TestDatabaseKind[] = ['postgres', 'mariadb', 'sqlite'];

type Row = Record<string, unknown>;

/** A fresh database and an independent client on it. */
export interface TestDatabase {
  readonly kind: TestDatabaseKind;
  /** Connection options for the connector under test. */
  readonly connection: JdbcConnectionOptionsInput & { dialect: 'postgres' | 'mysql' | 'sqlite' };
  /** Runs SQL with the plain driver (`?` placeholders everywhere; translated for pg). */
  exec(sql: string, params?: readonly unknown[]): Promise<void>;
  rows(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Ids of prepared (XA) transactions left on the server for this database. */
  preparedTransactions(): Promise<string[]>;
  /**
   * A `transactionIdPrefix` unique to this database (XA ids are server-wide on MariaDB, and other
   * runs share the server). `close()` rolls back what a failed test left prepared under it.
   */
  transactionPrefix(name: string): string;
  close(): Promise<void>;
}

/** Six random base-36 characters: XA ids stay well under their 64 bytes. */
function randomTag(): string {
  return Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
}

function toDollar(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

export async function openTestDatabase(kind: TestDatabaseKind, prefix = 'jdbc'): Promise<TestDatabase> {
  const tag = randomTag();
  const prefixes: string[] = [];
  const transactionPrefix = (name: string) => {
    const prefix = `${name}-${tag}`;
    prefixes.push(prefix);
    return prefix;
  };
  if (kind === 'postgres') {
    const service: PostgresService = await useService('postgres');
    const database = await service.createDatabase(prefix);
    const config = service.clientConfig(database);
    const client = new pg.Client(config);
    await client.connect();
    return {
      kind,
      connection: postgresConnection(config, database),
      exec: async (sql, params = []) => void (await client.query(toDollar(sql), params as unknown[])),
      rows: async (sql, params = []) => (await client.query(toDollar(sql), params as unknown[])).rows,
      preparedTransactions: async () =>
        (await client.query('SELECT gid FROM pg_prepared_xacts WHERE database = $1', [database])).rows.map(
          (r) => String(r.gid),
        ),
      transactionPrefix,
      // The harness rolls back the database's prepared transactions before dropping it.
      close: async () => {
        await client.end();
        await service.close();
      },
    };
  }
  if (kind === 'mariadb') {
    const { service, database, options } = await mariaDbFor(prefix);
    const client = await createConnection({ ...options, supportBigNumbers: true, bigNumberStrings: true });
    return {
      kind,
      connection: mariaDbConnection(options, database),
      exec: async (sql, params = []) => void (await client.query(sql, params as unknown[])),
      rows: async (sql, params = []) => (await client.query(sql, params as unknown[]))[0] as Row[],
      // XA RECOVER is server-wide: callers filter by their own prefix.
      preparedTransactions: () => xaRecover(client),
      transactionPrefix,
      close: async () => {
        await releaseLeftovers(client, database, prefixes);
        await client.end();
        await service?.close();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'trib-jdbc-sqlite-'));
  const filename = join(dir, 'test.db');
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  return {
    kind,
    connection: { dialect: 'sqlite', filename },
    exec: async (sql, params = []) => {
      if (params.length === 0) db.exec(sql);
      else db.prepare(sql).run(...params);
    },
    rows: async (sql, params = []) => db.prepare(sql).all(...params) as Row[],
    preparedTransactions: async () => [],
    transactionPrefix,
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function xaRecover(client: Connection): Promise<string[]> {
  return ((await client.query('XA RECOVER'))[0] as Row[]).map((r) =>
    Buffer.from(r.data as Buffer)
      .toString('utf8')
      .slice(0, Number(r.gtrid_length)),
  );
}

/**
 * Cleanup only (the tests' assertions catch leftovers first): a failed test may leave sessions
 * open on `database` and XA transactions prepared under `prefixes`, whose locks would make the
 * harness's DROP DATABASE wait. Ends those sessions (their prepared transactions detach once the
 * server has processed the disconnect), then rolls back what is prepared under the prefixes,
 * polling with a deadline while a transaction is still attached.
 */
async function releaseLeftovers(client: Connection, database: string, prefixes: readonly string[]) {
  const [sessions] = await client.query(
    'SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()',
    [database],
  );
  for (const row of sessions as Row[]) await client.query(`KILL ${Number(row.id)}`).catch(() => {});
  if (prefixes.length === 0) return;
  await waitUntil(
    async () => {
      const left = (await xaRecover(client)).filter((id) => prefixes.some((p) => id.startsWith(`${p}-`)));
      // "Unknown XID" while still attached: the next probe tries again.
      for (const id of left) await client.query('XA ROLLBACK ?', [id]).catch(() => {});
      if (left.length > 0) throw new Error(`still prepared: ${left.join(', ')}`);
    },
    {
      what: `the prepared transactions left on ${database} to be rolled back`,
      timeoutMs: 10_000,
      initialIntervalMs: 10,
    },
  );
}

/**
 * The harness's MariaDB, or (local debugging only, when the shared server is unavailable) a server
 * given as `TRIB_JDBC_TEST_MARIADB={"host":…,"port":…,"user":…,"password":…}`.
 */
async function mariaDbFor(prefix: string) {
  const override = process.env.TRIB_JDBC_TEST_MARIADB;
  if (override !== undefined && override !== '') {
    const options = JSON.parse(override) as ConnectionOptions;
    const admin = await createConnection(options);
    const database = `${prefix}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    await admin.query(`CREATE DATABASE \`${database}\``);
    await admin.end();
    return { service: undefined, database, options: { ...options, database } };
  }
  const service: MariaDbService = await useService('mariadb');
  const database = await service.createDatabase(prefix);
  return { service, database, options: service.connectionOptions(database) };
}

/** Portable DDL bits per database. */
export function ddl(kind: TestDatabaseKind) {
  return {
    text: kind === 'mariadb' ? 'VARCHAR(200)' : 'TEXT',
    bigint: kind === 'sqlite' ? 'BIGINT' : 'BIGINT',
  };
}
