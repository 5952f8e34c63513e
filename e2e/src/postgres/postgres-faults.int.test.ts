import { existsSync } from 'node:fs';
import { hasErrorCode } from '@tributary/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import { ServiceStateStore } from '../harness/state-store.js';
import { waitUntil } from '../harness/wait-until.js';
import { useService } from '../services/use-service.js';
import type { PostgresService } from './postgres-service.js';

/** A private PostgreSQL killed mid-query and restarted: what a client and the data see. */
describe('postgres private instance', () => {
  let postgres: PostgresService;
  let database: string;
  const clients: pg.Client[] = [];

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client(postgres.clientConfig(database));
    // The server going away is also emitted as an event; the tests look at rejections.
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    postgres = await useService('postgres', { settings: { max_connections: 17, wal_level: 'replica' } });
    database = await postgres.createDatabase('faults');
  });
  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
    await postgres?.close();
  });

  it('runs with its own settings on top of the harness ones', async () => {
    expect(postgres.isPrivate).toBe(true);
    const client = await connect();
    const show = async (name: string) =>
      (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name];
    expect(await show('max_connections')).toBe('17');
    expect(await show('wal_level')).toBe('replica');
    expect(await show('max_prepared_transactions')).toBe('64');
  });

  it('SIGKILLed mid-query: the query fails with a connection error, the server comes back with committed and prepared work only', async () => {
    const writer = await connect();
    await writer.query('CREATE TABLE items (id INT PRIMARY KEY, name TEXT)');
    await writer.query("INSERT INTO items VALUES (1, 'committed')");
    // A transaction prepared before the crash must survive it (what a 2PC sink relies on).
    const prepared = await connect();
    await prepared.query('BEGIN');
    await prepared.query("INSERT INTO items VALUES (3, 'prepared')");
    await prepared.query("PREPARE TRANSACTION 'tx-prepared'");
    // An open, uncommitted transaction must be gone after recovery.
    const open = await connect();
    await open.query('BEGIN');
    await open.query("INSERT INTO items VALUES (2, 'uncommitted')");

    const sleeper = await connect();
    const running = sleeper.query('SELECT pg_sleep(60)');
    running.catch(() => undefined);
    // The kill must land while the query runs, not before it reached the server.
    await waitUntil(
      async () => {
        const result = await writer.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'",
        );
        if (result.rows[0]?.n !== 1) throw new Error('pg_sleep not running yet');
      },
      { what: 'the pg_sleep query to run', timeoutMs: 10_000 },
    );

    await postgres.kill();

    const failure = await running.then(
      () => undefined,
      (error: unknown) => error as Error & { code?: string },
    );
    expect(failure).toBeDefined();
    // A lost connection, not an SQL error from the server (no SQLSTATE).
    expect(failure).not.toBeInstanceOf(pg.DatabaseError);
    expect(failure?.message).toMatch(/Connection terminated unexpectedly|ECONNRESET/);
    // Nothing listens until the restart.
    const refused = await new pg.Client(postgres.clientConfig(database)).connect().then(
      () => undefined,
      (error: unknown) => error as { code?: string },
    );
    expect(refused?.code).toBe('ECONNREFUSED');

    await postgres.restart();

    const after = await connect();
    expect((await after.query('SELECT id, name FROM items ORDER BY id')).rows).toEqual([
      { id: 1, name: 'committed' },
    ]);
    expect((await after.query('SELECT gid FROM pg_prepared_xacts')).rows).toEqual([{ gid: 'tx-prepared' }]);
    await after.query("COMMIT PREPARED 'tx-prepared'");
    expect((await after.query('SELECT id FROM items ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 3 }]);
    // The handle's helpers work on the restarted server (a new admin client).
    const extra = await postgres.createDatabase('after_restart');
    await postgres.deleteDatabase(extra);
  });

  it('restarts a running server in an orderly way, on the same port, with changed settings', async () => {
    const before = await connect();
    await before.query('CREATE TABLE kept (id INT PRIMARY KEY)');
    await before.query('INSERT INTO kept VALUES (7)');
    const port = postgres.connection.port;
    await postgres.restart({ settings: { wal_level: 'logical' } });
    expect(postgres.connection.port).toBe(port);
    const after = await connect();
    expect((await after.query('SELECT id FROM kept')).rows).toEqual([{ id: 7 }]);
    // The change applies; the settings given at the start stay.
    expect((await after.query('SHOW wal_level')).rows).toEqual([{ wal_level: 'logical' }]);
    expect((await after.query('SHOW max_connections')).rows).toEqual([{ max_connections: '17' }]);
  });

  it('refuses kill() and restart() on the shared server', async () => {
    const shared = await useService('postgres');
    try {
      expect(shared.isPrivate).toBe(false);
      await expect(shared.kill()).rejects.toSatisfy((error) =>
        hasErrorCode(error, E2eErrorCodes.PRIVATE_INSTANCE_REQUIRED),
      );
      await expect(shared.restart()).rejects.toSatisfy((error) =>
        hasErrorCode(error, E2eErrorCodes.PRIVATE_INSTANCE_REQUIRED),
      );
    } finally {
      await shared.close();
    }
  });

  it('rejects settings the harness owns or cannot write, naming the key', async () => {
    await expect(useService('postgres', { settings: { unix_socket_directories: '/tmp' } })).rejects.toSatisfy(
      (error) =>
        hasErrorCode(error, E2eErrorCodes.INVALID_SETTINGS) &&
        String(error).includes('"unix_socket_directories"'),
    );
    await expect(useService('postgres', { settings: { work_mem: "4MB'\nport = 1" } })).rejects.toSatisfy(
      (error) => hasErrorCode(error, E2eErrorCodes.INVALID_SETTINGS),
    );
  });

  it('close() stops the instance and deletes its data', async () => {
    const extra = await useService('postgres', { private: true });
    const store = new ServiceStateStore();
    const recorded = store
      .readPrivate()
      .find(
        (state) =>
          state.name === 'postgres' && (state.connection as { port: number }).port === extra.connection.port,
      );
    const instanceDir = recorded?.instanceDir ?? '';
    expect(existsSync(instanceDir)).toBe(true);
    await extra.close();
    expect(existsSync(instanceDir)).toBe(false);
    expect(store.readPrivate().some((state) => state.private?.id === recorded?.private?.id)).toBe(false);
    const refused = await new pg.Client(extra.clientConfig()).connect().then(
      () => undefined,
      (error: unknown) => error as { code?: string },
    );
    expect(refused?.code).toBe('ECONNREFUSED');
  });
});
