import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useService } from '../services/use-service.js';
import type { PostgresService } from './postgres-service.js';

describe('postgres service', () => {
  let postgres: PostgresService;
  let database: string;
  const clients: pg.Client[] = [];

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client(postgres.clientConfig(database));
    await client.connect();
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    postgres = await useService('postgres');
    database = await postgres.createDatabase('smoke');
  });
  afterAll(async () => {
    for (const client of clients) await client.end();
    await postgres?.close();
  });

  it('answers queries in its own database', async () => {
    const client = await connect();
    const result = await client.query<{ db: string; two: number }>(
      'SELECT current_database() AS db, 1 + 1 AS two',
    );
    expect(result.rows[0]).toEqual({ db: database, two: 2 });
  });

  it('prepares a transaction and commits it later (two-phase commit)', async () => {
    const writer = await connect();
    const reader = await connect();
    await writer.query('CREATE TABLE items (id INT PRIMARY KEY, name TEXT)');
    const gid = `${database}-txn-1`;

    await writer.query('BEGIN');
    await writer.query("INSERT INTO items VALUES (1, 'one')");
    await writer.query(`PREPARE TRANSACTION '${gid}'`);

    // Prepared but not committed: invisible to others, listed in pg_prepared_xacts.
    expect((await reader.query('SELECT * FROM items')).rows).toEqual([]);
    const prepared = await reader.query('SELECT gid FROM pg_prepared_xacts WHERE database = $1', [database]);
    expect(prepared.rows).toEqual([{ gid }]);

    // Any session may finish it, as a committer does after a restart.
    await reader.query(`COMMIT PREPARED '${gid}'`);
    expect((await reader.query('SELECT id, name FROM items')).rows).toEqual([{ id: 1, name: 'one' }]);
    expect(
      (await reader.query('SELECT count(*)::int AS n FROM pg_prepared_xacts WHERE gid = $1', [gid])).rows,
    ).toEqual([{ n: 0 }]);
  });

  it('drops a database even when a prepared transaction is left in it', async () => {
    const extra = await postgres.createDatabase('dropme');
    const client = new pg.Client(postgres.clientConfig(extra));
    await client.connect();
    await client.query('CREATE TABLE t (id INT)');
    await client.query('BEGIN');
    await client.query('INSERT INTO t VALUES (1)');
    await client.query(`PREPARE TRANSACTION '${extra}-left'`);
    await client.end();

    await postgres.deleteDatabase(extra);
    const admin = await postgres.adminClient();
    expect((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [extra])).rows).toEqual([]);
  });
});
