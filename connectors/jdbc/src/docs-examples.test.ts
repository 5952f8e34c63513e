import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectionSource, CollectSink, Pipeline, silentLogger } from '@tributary/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChangeRecord, JdbcCatalog, JdbcSink, JdbcSource, jdbcLookup } from './index.js';

// The #regions below are the snippets of connectors/jdbc/README.md and docs/connectors/jdbc.md
// (docs-sections.test.ts copies them there), so every snippet in the docs runs: on SQLite, with
// no server.

interface Customer {
  readonly id: number;
  readonly name: string;
  readonly country: string;
}
const env = { logger: silentLogger };

describe('jdbc docs examples (SQLite, no server)', () => {
  let dir: string;
  let filename: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trib-jdbc-docs-'));
    filename = join(dir, 'shop.db');
    const db = new Database(filename);
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL)');
    db.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('upserts rows and applies a change-log', async () => {
    // #region sink
    const customers = CollectionSource.of<Customer>([
      { id: 1, name: 'Ada', country: 'uk' },
      { id: 2, name: 'Grace', country: 'us' },
      { id: 1, name: 'Ada Lovelace', country: 'uk' }, // same key: the last write wins
    ]);
    await Pipeline.from(customers)
      .sinkTo(
        new JdbcSink<Customer>({ dialect: 'sqlite', filename, table: 'customers', writeMode: 'upsert' }),
      )
      .execute({ parallelism: 1 }, env);
    // customers: (1, 'Ada Lovelace', 'uk'), (2, 'Grace', 'us')
    // #endregion sink

    // #region changelog
    const changes = CollectionSource.of<ChangeRecord>([
      { op: 'c', after: { id: 3, name: 'Linus', country: 'fi' } },
      { op: 'u', before: { id: 2 }, after: { id: 2, name: 'Grace Hopper', country: 'us' } },
      { op: 'd', before: { id: 1 } },
    ]);
    await Pipeline.from(changes)
      .sinkTo(
        new JdbcSink<ChangeRecord>({ dialect: 'sqlite', filename, table: 'customers', input: 'changelog' }),
      )
      .execute({ parallelism: 1 }, env);
    // customers: (2, 'Grace Hopper', 'us'), (3, 'Linus', 'fi')
    // #endregion changelog

    const db = new Database(filename, { readonly: true });
    expect(db.prepare('SELECT id, name, country FROM customers ORDER BY id').all()).toEqual([
      { id: 2, name: 'Grace Hopper', country: 'us' },
      { id: 3, name: 'Linus', country: 'fi' },
    ]);
    db.close();
  });

  it('reads the table in parallel splits, looks rows up, describes the table', async () => {
    // #region source
    const source = new JdbcSource(
      { dialect: 'sqlite', filename, table: 'customers', partitionColumn: 'id', numPartitions: 4 },
      (row) => ({ id: Number(row.id), name: String(row.name) }),
    );
    using out = CollectSink.create<{ id: number; name: string }>();
    await Pipeline.from(source).sinkTo(out.sink).execute({ parallelism: 2 }, env);
    // out.results(): { id: 2, name: 'Grace Hopper' }, { id: 3, name: 'Linus' } (in split order)
    // #endregion source
    expect(out.results().sort((a, b) => a.id - b.id)).toEqual([
      { id: 2, name: 'Grace Hopper' },
      { id: 3, name: 'Linus' },
    ]);

    // #region lookup
    const customerById = jdbcLookup({
      dialect: 'sqlite',
      filename,
      table: 'customers',
      keys: ['id'],
      cache: { maxRows: 10_000, ttlMs: 60_000 },
    });
    const [customer] = await customerById({ id: 3 }); // { id: 3, name: 'Linus', country: 'fi' }
    await customerById.close();
    // #endregion lookup
    expect(customer).toEqual({ id: 3, name: 'Linus', country: 'fi' });

    // #region catalog
    const catalog = await JdbcCatalog.open({ dialect: 'sqlite', filename });
    const tables = await catalog.listTables(); // ['customers']
    const table = await catalog.describeTable('customers');
    // table.primaryKey: ['id']; table.columns: [{ name: 'id', type: 'integer', nullable: true, … }, …]
    await catalog.close();
    // #endregion catalog
    expect(tables).toEqual(['customers']);
    expect(table.primaryKey).toEqual(['id']);
    expect(table.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'integer'],
      ['name', 'text'],
      ['country', 'text'],
    ]);
  });
});
