import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JdbcSink } from '@tributary/connector-jdbc';
import { type ChangeRecord, Pipeline } from '@tributary/core';
import { type MariaDbService, useService } from '@tributary/e2e';
import Database from 'better-sqlite3';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MySqlCdcSource } from './index.js';
import { cdcOptions } from './testing-fixtures/cdc-fixtures.js';

// The #region below is the example of docs/connectors/mysql-cdc.md (docs-sections.test.ts copies
// it there), so the documented pipeline runs against the harness MariaDB.

describe('mysql-cdc docs example: MariaDB → JDBC (SQLite)', () => {
  let mariadb: MariaDbService;
  let shop: string;
  let admin: Connection;
  let dir: string;
  beforeAll(async () => {
    mariadb = await useService('mariadb');
    shop = await mariadb.createDatabase('shop');
    admin = await createConnection(mariadb.connectionOptions(shop));
    await admin.query('CREATE TABLE orders (id INT PRIMARY KEY, amount DECIMAL(10,2), status VARCHAR(20))');
    await admin.query("INSERT INTO orders VALUES (1, 9.99, 'new'), (2, 20.00, 'new')");
    dir = await mkdtemp(join(tmpdir(), 'trib-cdc-docs-'));
  });
  afterAll(async () => {
    await admin?.end();
    await mariadb?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('mirrors a table: snapshot, then binlog changes', async () => {
    const { host, port, user, password, serverIdStart } = cdcOptions(mariadb, []);
    const filename = join(dir, 'mirror.db');
    new Database(filename)
      .exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, amount TEXT, status TEXT)')
      .close();
    // #region mariadb-to-sqlite
    const source = new MySqlCdcSource({
      host,
      port,
      user,
      password,
      tables: [`${shop}\\.orders`], // regular expressions over `db.table`
      startupMode: 'initial', // snapshot without locks, then the binlog
      serverIdStart, // this job's readers use serverIdStart, serverIdStart + 1, …
    });
    const job = Pipeline.from(source)
      .sinkTo(
        new JdbcSink<ChangeRecord>({ dialect: 'sqlite', filename, table: 'orders', input: 'changelog' }),
      )
      .start({ parallelism: 2, checkpointing: { intervalMs: 1000, directory: join(dir, 'checkpoints') } });
    // #endregion mariadb-to-sqlite
    const mirror = new Database(filename, { readonly: true });
    const rows = () => mirror.prepare('SELECT id, amount, status FROM orders ORDER BY id').all();
    try {
      await until(() => rows().length === 2);
      await admin.query("UPDATE orders SET status = 'paid' WHERE id = 1");
      await admin.query('DELETE FROM orders WHERE id = 2');
      await admin.query("INSERT INTO orders VALUES (3, 5.50, 'new')");
      await until(() => JSON.stringify(rows()).includes('"id":3'));
      expect(rows()).toEqual([
        { id: 1, amount: '9.99', status: 'paid' },
        { id: 3, amount: '5.50', status: 'new' },
      ]);
    } finally {
      mirror.close();
      await job.cancel();
    }
  });
});

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
