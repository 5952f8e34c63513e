import { join } from 'node:path';
import { type ChangeRecord, Pipeline, silentLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { cdcOptions, readTableText, textRow } from '../testing-fixtures/cdc-fixtures.js';
import { useCdcTestDatabase } from '../testing-fixtures/cdc-test-database.js';
import { MySqlCdcSource } from './mysql-cdc-source.js';
import { type CdcRecord, isSchemaChangeEvent, type SchemaChangeEvent } from './schema-change-event.js';

const env = { logger: silentLogger };

/** Row changes by `table:id`, and the schema changes, in arrival order. */
class Collected {
  readonly rows = new Map<string, ChangeRecord>();
  readonly schemaChanges: SchemaChangeEvent[] = [];

  add(record: CdcRecord): void {
    if (isSchemaChangeEvent(record)) this.schemaChanges.push(record);
    else this.rows.set(`${record.source?.table}:${(record.after ?? record.before)?.id}`, record);
  }

  after(key: string): unknown {
    return this.rows.get(key)?.after;
  }
}

describe('schema changes in the binlog', () => {
  const t = useCdcTestDatabase('ddl');

  it('types rows before and after an ALTER by their own columns, emits the DDL, streams a table created live', async () => {
    await t.connection.query('CREATE TABLE t (id INT PRIMARY KEY, a BIGINT, b VARCHAR(10))');
    await t.connection.query("INSERT INTO t VALUES (1, 10, 'one')");
    const source = new MySqlCdcSource<CdcRecord>(
      cdcOptions(t.mariadb, [`${t.db}\\.(t|n)`], { includeSchemaChanges: true }),
    );
    const results = Pipeline.from(source).executeAndCollect(
      { parallelism: 1, checkpointing: { intervalMs: 200 } },
      env,
    );
    const got = new Collected();
    for await (const record of results) {
      got.add(record);
      // After the snapshot row, a binlog row: once it is in, the binlog split is streaming.
      if (got.rows.size === 1 && !got.rows.has('t:2'))
        await t.connection.query("INSERT INTO t VALUES (2, 20, 'two')");
      if (got.rows.size === 2 && got.rows.has('t:2')) {
        // Back to back: the reader meets row 5 after the ALTER already ran.
        await t.connection.query("INSERT INTO t VALUES (5, 50, 'five')");
        await t.connection.query(
          'ALTER TABLE t ADD COLUMN c DECIMAL(6,2) AFTER id, DROP COLUMN a, RENAME COLUMN b TO label',
        );
        await t.connection.query("INSERT INTO t VALUES (3, 1.5, 'three')");
        await t.connection.query('CREATE TABLE n (id INT PRIMARY KEY, v DATETIME(6))');
        await t.connection.query("INSERT INTO n VALUES (1, '2024-01-02 03:04:05.123456')");
      }
      if (got.rows.has('n:1')) break;
    }
    expect(got.after('t:1')).toEqual({ id: 1, a: 10n, b: 'one' });
    expect(got.after('t:2')).toEqual({ id: 2, a: 20n, b: 'two' });
    expect(got.after('t:5')).toEqual({ id: 5, a: 50n, b: 'five' });
    expect(got.after('t:3')).toEqual({ id: 3, c: '1.50', label: 'three' });
    expect(got.rows.get('n:1')).toMatchObject({ op: 'c', after: { id: 1, v: '2024-01-02 03:04:05.123456' } });
    expect(got.schemaChanges.map((e) => [e.tableChanges, e.ddl.slice(0, 12)])).toEqual([
      [[{ type: 'ALTER', db: t.db, table: 't' }], 'ALTER TABLE '],
      [[{ type: 'CREATE', db: t.db, table: 'n' }], 'CREATE TABLE'],
    ]);
  });

  it('restores across a DDL: rows written before it keep their columns, a table created meanwhile is picked up', async () => {
    await t.connection.query('CREATE TABLE r (id INT PRIMARY KEY, a BIGINT UNSIGNED, b VARCHAR(10))');
    await t.connection.query("INSERT INTO r VALUES (1, 10, 'one')");
    const options = cdcOptions(t.mariadb, [`${t.db}\\.r\\d?`]);
    const first = Pipeline.from(new MySqlCdcSource(options)).executeAndCollect(
      { parallelism: 1, checkpointing: { intervalMs: 100 } },
      env,
    );
    let savepoint = '';
    const before = new Collected();
    for await (const record of first) {
      before.add(record);
      if (before.rows.size === 1) await t.connection.query("INSERT INTO r VALUES (2, 20, 'two')");
      if (before.rows.has('r:2')) {
        savepoint = await first.client.stopWithSavepoint({ directory: join(t.dir, 'savepoints') });
        break;
      }
    }

    // While the job is down: a row under the old columns, the ALTER, rows under the new ones.
    await t.connection.query("INSERT INTO r VALUES (3, 18446744073709551615, 'three')");
    await t.connection.query('ALTER TABLE r DROP COLUMN a, RENAME COLUMN b TO label, ADD COLUMN at TIME(6)');
    await t.connection.query("INSERT INTO r VALUES (4, 'four', '12:00:00.000001')");
    await t.connection.query('CREATE TABLE r2 (id BIGINT PRIMARY KEY, note TEXT)');
    await t.connection.query("INSERT INTO r2 VALUES (1, 'new table')");

    const restored = Pipeline.from(new MySqlCdcSource(options)).executeAndCollect(
      { parallelism: 1, checkpointing: { intervalMs: 100 }, restoreFrom: savepoint },
      env,
    );
    const after = new Collected();
    for await (const record of restored) {
      after.add(record);
      if (after.rows.has('r2:1') && after.rows.has('r:4')) break;
    }
    expect(after.after('r:3')).toEqual({ id: 3, a: 18446744073709551615n, b: 'three' });
    expect(after.after('r:4')).toEqual({ id: 4, label: 'four', at: '12:00:00.000001' });
    expect(after.after('r2:1')).toEqual({ id: 1n, note: 'new table' });
    expect([...after.rows.keys()].sort()).toEqual(['r2:1', 'r:3', 'r:4']);
  });

  it('snapshots a table the widened patterns newly match on restore, then streams it, each row once', async () => {
    await t.connection.query('CREATE TABLE w1 (id INT PRIMARY KEY, v INT)');
    await t.connection.query('CREATE TABLE w2 (id INT PRIMARY KEY, v INT)');
    await t.connection.query('INSERT INTO w1 VALUES (1, 1)');
    const rows = Array.from({ length: 50 }, (_, i) => `(${i + 1}, ${i + 1})`).join(',');
    await t.connection.query(`INSERT INTO w2 VALUES ${rows}`);
    const options = cdcOptions(t.mariadb, [`${t.db}\\.w1`], { chunkSize: 16 });
    const first = Pipeline.from(new MySqlCdcSource(options)).executeAndCollect(
      { parallelism: 1, checkpointing: { intervalMs: 100 } },
      env,
    );
    let savepoint = '';
    const before = new Collected();
    for await (const record of first) {
      before.add(record);
      if (before.rows.size === 1) await t.connection.query('INSERT INTO w1 VALUES (2, 2)');
      if (before.rows.has('w1:2')) {
        savepoint = await first.client.stopWithSavepoint({ directory: join(t.dir, 'savepoints-w') });
        break;
      }
    }
    // While the job is down, w2 changes (all of it before the restore's new-table snapshot).
    await t.connection.query('UPDATE w2 SET v = v + 100 WHERE id <= 10');
    await t.connection.query('DELETE FROM w2 WHERE id = 50');

    const restored = Pipeline.from(
      new MySqlCdcSource({ ...options, tables: [`${t.db}\\.w[12]`] }),
    ).executeAndCollect({ parallelism: 1, checkpointing: { intervalMs: 100 }, restoreFrom: savepoint }, env);
    const perKey = new Map<string, number>();
    const view = new Map<string, Record<string, unknown>>();
    const ops = new Set<string>();
    let sentinel = false;
    for await (const record of restored) {
      if (isSchemaChangeEvent(record)) continue;
      const table = record.source?.table;
      const row = (record.after ?? record.before) as Record<string, unknown>;
      const key = `${table}:${row.id}`;
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      if (table === 'w2') {
        ops.add(record.op);
        if (record.op === 'd') view.delete(String(row.id));
        else view.set(String(row.id), record.after as Record<string, unknown>);
      }
      if (!sentinel) {
        sentinel = true;
        await t.connection.query('INSERT INTO w2 VALUES (51, 51)');
        await t.connection.query('INSERT INTO w1 VALUES (3, 3)');
      }
      if (perKey.has('w2:51') && perKey.has('w1:3')) break;
    }
    const table = await readTableText(t.connection, 'w2', ['id']);
    expect(new Map([...view].map(([k, v]) => [k, textRow(v)]))).toEqual(table);
    expect(ops.has('r')).toBe(true);
    expect([...perKey].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...perKey.keys()].filter((k) => k.startsWith('w1:'))).toEqual(['w1:3']);
  });
});
