import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hasErrorCode } from '@tributary/core';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import { ServiceStateStore } from '../harness/state-store.js';
import { waitUntil } from '../harness/wait-until.js';
import { useService } from '../services/use-service.js';
import type { MariaDbService } from './mariadb-service.js';

/** A private MariaDB killed mid-query and restarted: what a client and the data see. */
describe('mariadb private instance', () => {
  let mariadb: MariaDbService;
  let database: string;
  const connections: Connection[] = [];

  async function connect(): Promise<Connection> {
    const connection = await createConnection(mariadb.connectionOptions(database));
    // A fatal error with no query pending is emitted as an event; the tests look at rejections.
    connection.on('error', () => undefined);
    connections.push(connection);
    return connection;
  }

  beforeAll(async () => {
    mariadb = await useService('mariadb', {
      settings: { max_connections: 17, binlog_row_metadata: 'MINIMAL', 'max-binlog-size': 8192 },
    });
    database = await mariadb.createDatabase('faults');
  });
  afterAll(async () => {
    for (const connection of connections) connection.destroy();
    await mariadb?.close();
  });

  it('runs with its own settings on top of the harness ones', async () => {
    expect(mariadb.isPrivate).toBe(true);
    const connection = await connect();
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT @@max_connections AS maxConnections, @@binlog_row_metadata AS metadata, ' +
        '@@max_binlog_size AS binlogSize, @@binlog_format AS format, @@log_bin AS logBin',
    );
    expect(rows[0]).toEqual({
      maxConnections: 17,
      metadata: 'MINIMAL',
      binlogSize: 8192,
      format: 'ROW',
      logBin: 1,
    });
  });

  it('SIGKILLed mid-query: the query fails with a connection error, the server comes back with committed and prepared work only', async () => {
    const writer = await connect();
    await writer.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(32)) ENGINE=InnoDB');
    await writer.query("INSERT INTO items VALUES (1, 'committed')");
    // An XA transaction prepared before the crash must survive it (what a 2PC sink relies on).
    const xa = await connect();
    await xa.query("XA START 'tx-prepared'");
    await xa.query("INSERT INTO items VALUES (3, 'prepared')");
    await xa.query("XA END 'tx-prepared'");
    await xa.query("XA PREPARE 'tx-prepared'");
    // An open, uncommitted transaction must be rolled back by crash recovery.
    const open = await connect();
    await open.query('BEGIN');
    await open.query("INSERT INTO items VALUES (2, 'uncommitted')");

    const sleeper = await connect();
    const running = sleeper.query('SELECT SLEEP(60)');
    running.catch(() => undefined);
    // The kill must land while the query runs, not before it reached the server.
    await waitUntil(
      async () => {
        const [rows] = await writer.query<RowDataPacket[]>(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(60)'",
        );
        if (Number(rows[0]?.n) !== 1) throw new Error('SLEEP not running yet');
      },
      { what: 'the SLEEP query to run', timeoutMs: 10_000 },
    );

    await mariadb.kill();

    const failure = await running.then(
      () => undefined,
      (error: unknown) => error as { code?: string; fatal?: boolean },
    );
    expect(failure).toBeDefined();
    expect(failure?.fatal).toBe(true);
    expect(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET']).toContain(failure?.code);
    // Nothing listens until the restart.
    const refused = await createConnection(mariadb.connectionOptions(database)).then(
      (connection) => {
        connection.destroy();
        return undefined;
      },
      (error: unknown) => error as { code?: string },
    );
    expect(refused?.code).toBe('ECONNREFUSED');

    await mariadb.restart();

    const after = await connect();
    const [rows] = await after.query<RowDataPacket[]>('SELECT id, name FROM items ORDER BY id');
    expect(rows).toEqual([{ id: 1, name: 'committed' }]);
    const [recovered] = await after.query<RowDataPacket[]>('XA RECOVER');
    expect(recovered.map((row) => String(row.data))).toEqual(['tx-prepared']);
    await after.query("XA COMMIT 'tx-prepared'");
    const [committed] = await after.query<RowDataPacket[]>('SELECT id FROM items ORDER BY id');
    expect(committed.map((row) => row.id)).toEqual([1, 3]);
    // The handle's helpers work on the restarted server (a new admin connection).
    const extra = await mariadb.createDatabase('after_restart');
    await mariadb.deleteDatabase(extra);
  });

  it('restarts a running server in an orderly way, on the same port, with changed settings', async () => {
    const before = await connect();
    await before.query('CREATE TABLE kept (id INT PRIMARY KEY)');
    await before.query('INSERT INTO kept VALUES (7)');
    const port = mariadb.connection.port;
    await mariadb.restart({ settings: { binlog_row_metadata: 'FULL' } });
    expect(mariadb.connection.port).toBe(port);
    const after = await connect();
    const [rows] = await after.query<RowDataPacket[]>('SELECT id FROM kept');
    expect(rows).toEqual([{ id: 7 }]);
    // The change applies; the settings given at the start stay.
    const [settings] = await after.query<RowDataPacket[]>(
      'SELECT @@binlog_row_metadata AS metadata, @@max_connections AS maxConnections',
    );
    expect(settings[0]).toEqual({ metadata: 'FULL', maxConnections: 17 });
  });

  it('refuses kill() and restart() on the shared server', async () => {
    const shared = await useService('mariadb');
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
    await expect(useService('mariadb', { settings: { port: 1 } })).rejects.toSatisfy(
      (error) => hasErrorCode(error, E2eErrorCodes.INVALID_SETTINGS) && String(error).includes('"port"'),
    );
    await expect(useService('mariadb', { settings: { 'bind-address': '0.0.0.0' } })).rejects.toSatisfy(
      (error) => hasErrorCode(error, E2eErrorCodes.INVALID_SETTINGS),
    );
    await expect(useService('mariadb', { settings: { 'log_bin\n[client]': 1 } })).rejects.toSatisfy((error) =>
      hasErrorCode(error, E2eErrorCodes.INVALID_SETTINGS),
    );
  });

  it('close() stops the instance and deletes its data', async () => {
    const extra = await useService('mariadb', { private: true });
    const store = new ServiceStateStore();
    const recorded = store
      .readPrivate()
      .find(
        (state) =>
          state.name === 'mariadb' &&
          state.instanceDir !== undefined &&
          (state.connection as { port: number }).port === extra.connection.port,
      );
    expect(recorded?.instanceDir).toBeDefined();
    const instanceDir = recorded?.instanceDir ?? '';
    expect(existsSync(join(instanceDir, 'data'))).toBe(true);
    await extra.close();
    expect(existsSync(instanceDir)).toBe(false);
    expect(store.readPrivate().some((state) => state.private?.id === recorded?.private?.id)).toBe(false);
    const refused = await createConnection(extra.connectionOptions()).then(
      (connection) => {
        connection.destroy();
        return undefined;
      },
      (error: unknown) => error as { code?: string },
    );
    expect(refused?.code).toBe('ECONNREFUSED');
  });
});
