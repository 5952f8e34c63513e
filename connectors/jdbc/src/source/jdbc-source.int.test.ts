import { CollectSink, Pipeline, silentLogger } from '@tributary/core';
import { fakeBatchContext, fakeWriterContext } from '@tributary/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JdbcCatalog } from '../catalog/jdbc-catalog.js';
import { BigDecimal } from '../dialect/big-decimal.js';
import type { Row } from '../dialect/dialect.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import { jdbcLookup } from '../lookup/jdbc-lookup.js';
import { JdbcSink } from '../sink/jdbc-sink.js';
import { ALL_KINDS, openTestDatabase, type TestDatabase } from '../testing-fixtures/test-databases.js';
import { JdbcSource } from './jdbc-source.js';

const env = { logger: silentLogger };

async function readAll<T>(source: JdbcSource<T>, parallelism = 1): Promise<T[]> {
  using out = CollectSink.create<T>();
  await Pipeline.from(source).sinkTo(out.sink).execute({ parallelism }, env);
  return out.results();
}

describe.each(ALL_KINDS)('JdbcSource, catalog and lookup on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(kind, 'source');
    const text = kind === 'mariadb' ? 'VARCHAR(100)' : 'TEXT';
    await db.exec(`CREATE TABLE nums (id INT PRIMARY KEY, grp INT, label ${text} NOT NULL)`);
    for (let start = 0; start < 1000; start += 250) {
      const rows = Array.from({ length: 250 }, (_, k) => start + k);
      await db.exec(
        `INSERT INTO nums (id, grp, label) VALUES ${rows.map(() => '(?, ?, ?)').join(', ')}`,
        rows.flatMap((i) => [i, i % 7 === 0 ? null : i % 100, `label-${i}`]),
      );
    }
  });
  afterAll(async () => {
    await db?.close();
  });

  it('catalog: lists tables and describes columns with types and the primary key', async () => {
    const catalog = await JdbcCatalog.open(db.connection);
    try {
      expect(await catalog.listTables()).toContain('nums');
      const table = await catalog.describeTable('nums');
      expect(table.primaryKey).toEqual(['id']);
      expect(table.columns.map((c) => c.name)).toEqual(['id', 'grp', 'label']);
      expect(table.columns[0]?.type).toMatch(/int/);
      expect(table.columns.find((c) => c.name === 'label')?.nullable).toBe(false);
      if (kind !== 'sqlite') expect(await catalog.listDatabases()).toContain(db.connection.database);
      await expect(catalog.describeTable('missing_table')).rejects.toMatchObject({
        code: JdbcErrorCodes.TABLE_NOT_FOUND,
      });
    } finally {
      await catalog.close();
    }
  });

  it('reads every row once across parallel range splits (NULL partition values included)', async () => {
    const rows = await readAll(
      new JdbcSource({
        ...db.connection,
        table: 'nums',
        partitionColumn: 'grp',
        numPartitions: 5,
        fetchSize: 64,
      }),
      2,
    );
    expect(rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i),
    );
    expect(rows.find((r) => Number(r.id) === 7)?.grp).toBeNull();
  });

  it('reads a query source with its own bounds', async () => {
    const rows = await readAll(
      new JdbcSource({
        ...db.connection,
        query: 'SELECT id, label FROM nums WHERE id < 100',
        keyColumns: ['id'],
        partitionColumn: 'id',
        lowerBound: 0,
        upperBound: 99,
        numPartitions: 3,
      }),
    );
    expect(rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  it('names a missing column before reading', async () => {
    const error = await readAll(
      new JdbcSource({ ...db.connection, table: 'nums', partitionColumn: 'nope' }),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error ?? {}))).toContain('nope');
  });

  it('keeps exact types: BIGINT beyond 2^53, DECIMAL as text, JSON, bytes, booleans, timestamps', async () => {
    const big = 2n ** 62n + 1n;
    if (kind === 'postgres') {
      await db.exec(
        'CREATE TABLE typed (id BIGINT PRIMARY KEY, amount NUMERIC(30,10), doc JSONB, raw BYTEA, flag BOOLEAN, at TIMESTAMPTZ, local TIMESTAMP, day DATE, uid UUID, tags TEXT[], nums BIGINT[])',
      );
      await db.exec(
        "INSERT INTO typed VALUES (?, '12345678901234567890.0123456789', '{\"a\":[1,2]}', '\\x0102ff', true, '2024-05-01T10:00:00.123Z', '2024-05-01 10:00:00.5', '2024-05-01', '6f1c0e4a-3b7d-4c8e-9a1f-2d3e4f5a6b7c', '{x,y}', '{9223372036854775807,1}')",
        [big.toString()],
      );
    } else if (kind === 'mariadb') {
      await db.exec(
        'CREATE TABLE typed (id BIGINT PRIMARY KEY, amount DECIMAL(30,10), doc JSON, raw VARBINARY(10), flag BOOLEAN, at TIMESTAMP(3), local DATETIME(1), day DATE)',
      );
      await db.exec(
        "INSERT INTO typed VALUES (?, '12345678901234567890.0123456789', '{\"a\":[1,2]}', X'0102ff', true, '2024-05-01 10:00:00.123', '2024-05-01 10:00:00.5', '2024-05-01')",
        [big.toString()],
      );
    } else {
      await db.exec(
        'CREATE TABLE typed (id BIGINT PRIMARY KEY, amount TEXT, doc TEXT, raw BLOB, flag INTEGER, at TEXT)',
      );
      await db.exec(
        "INSERT INTO typed VALUES (?, '12345678901234567890.0123456789', '{\"a\":[1,2]}', X'0102ff', 1, '2024-05-01T10:00:00.123Z')",
        [big],
      );
    }
    const [row] = await readAll<Row>(new JdbcSource({ ...db.connection, table: 'typed' }));
    expect(row?.id).toBe(big);
    expect(row?.amount).toBe('12345678901234567890.0123456789');
    expect(Buffer.from(row?.raw as Uint8Array)).toEqual(Buffer.from([1, 2, 255]));
    if (kind === 'postgres') {
      expect(row?.doc).toEqual({ a: [1, 2] });
      expect(row?.flag).toBe(true);
      expect((row?.at as Date | undefined)?.toISOString()).toBe('2024-05-01T10:00:00.123Z');
      expect(row?.local).toBe('2024-05-01 10:00:00.5');
      expect(row?.day).toBe('2024-05-01');
      expect(row?.uid).toBe('6f1c0e4a-3b7d-4c8e-9a1f-2d3e4f5a6b7c');
      expect(row?.tags).toEqual(['x', 'y']);
      expect(row?.nums).toEqual([9_223_372_036_854_775_807n, 1n]);
    } else if (kind === 'mariadb') {
      // MariaDB's JSON is a LONGTEXT flagged as JSON: mysql2 parses it.
      expect(row?.doc).toEqual({ a: [1, 2] });
      expect(row?.flag).toBe(true);
      expect((row?.at as Date | undefined)?.toISOString()).toBe('2024-05-01T10:00:00.123Z');
      expect(row?.local).toBe('2024-05-01 10:00:00.5');
      expect(row?.day).toBe('2024-05-01');
    } else {
      expect(row?.flag).toBe(1);
      expect(row?.at).toBe('2024-05-01T10:00:00.123Z');
    }
  });

  it("decimals: 'big-decimal' reads exact BigDecimal values (source, lookup) and the sink writes them back", async () => {
    // SQLite has no exact decimal type: a type name containing TEXT keeps the digits as text.
    const decimal = kind === 'sqlite' ? 'DECIMAL_TEXT(30,10)' : 'DECIMAL(30,10)';
    await db.exec(`CREATE TABLE money (id INT PRIMARY KEY, amount ${decimal})`);
    await db.exec(`CREATE TABLE money_copy (id INT PRIMARY KEY, amount ${decimal})`);
    await db.exec('INSERT INTO money VALUES (1, ?), (2, ?), (3, NULL)', [
      '12345678901234567890.0123456789',
      '-0.0500000000',
    ]);
    const rows = await readAll<Row>(
      new JdbcSource({ ...db.connection, table: 'money', decimals: 'big-decimal' }),
    );
    const [first, second, third] = rows.sort((a, b) => Number(a.id) - Number(b.id));
    expect(first?.amount).toBeInstanceOf(BigDecimal);
    expect(String(first?.amount)).toBe('12345678901234567890.0123456789');
    expect((second?.amount as BigDecimal | undefined)?.equals(BigDecimal.parse('-0.05'))).toBe(true);
    expect(third?.amount).toBeNull();
    const lookup = jdbcLookup({ ...db.connection, table: 'money', keys: ['id'], decimals: 'big-decimal' });
    try {
      expect(String((await lookup({ id: 1 }))[0]?.amount)).toBe('12345678901234567890.0123456789');
    } finally {
      await lookup.close();
    }
    // Straight into the writer: the BigDecimal values reach the sink as they are.
    const writer = await new JdbcSink<Row>({ ...db.connection, table: 'money_copy' }).createWriter(
      fakeWriterContext(),
    );
    await writer.write(rows, fakeBatchContext());
    await writer.flush(true);
    await writer.close();
    const cast = kind === 'mariadb' ? 'CHAR' : 'TEXT';
    const copied = await db.rows(`SELECT id, CAST(amount AS ${cast}) AS amount FROM money_copy ORDER BY id`);
    expect(copied.map((r) => r.amount)).toEqual(['12345678901234567890.0123456789', '-0.0500000000', null]);
  });

  it('polls incrementally: rows added later are read once, from the position it reached', async () => {
    const text = kind === 'mariadb' ? 'VARCHAR(100)' : 'TEXT';
    await db.exec(`CREATE TABLE events (seq BIGINT PRIMARY KEY, body ${text})`);
    await db.exec('INSERT INTO events VALUES (1, ?), (2, ?)', ['a', 'b']);
    using out = CollectSink.create<Row>();
    const source = new JdbcSource({
      ...db.connection,
      table: 'events',
      mode: 'incrementing',
      incrementingColumn: 'seq',
      pollIntervalMs: 50,
    });
    expect(source.boundedness).toBe('unbounded');
    const job = Pipeline.from(source).sinkTo(out.sink).start({ parallelism: 1 }, env);
    const until = async (n: number) => {
      for (let i = 0; i < 200 && out.results().length < n; i++) await new Promise((r) => setTimeout(r, 50));
    };
    await until(2);
    await db.exec('INSERT INTO events VALUES (3, ?), (4, ?)', ['c', 'd']);
    await until(4);
    await job.cancel();
    expect(out.results().map((r) => Number(r.seq))).toEqual([1, 2, 3, 4]);
  });

  it('lookup: rows by key, cached with a TTL and a size bound', async () => {
    const lookup = jdbcLookup({
      ...db.connection,
      table: 'nums',
      keys: ['id'],
      cache: { maxRows: 2, ttlMs: 60_000 },
    });
    try {
      expect((await lookup({ id: 5 })).map((r) => r.label)).toEqual(['label-5']);
      expect((await lookup([5])).map((r) => r.label)).toEqual(['label-5']);
      expect(await lookup({ id: 5000 })).toEqual([]);
      expect(lookup.stats).toEqual({ hits: 1, misses: 2 });
      await lookup({ id: 6 });
      await lookup({ id: 7 });
      await lookup({ id: 5 }); // evicted by 6 and 7
      expect(lookup.stats).toEqual({ hits: 1, misses: 5 });
    } finally {
      await lookup.close();
    }
    const bad = jdbcLookup({ ...db.connection, table: 'nums', keys: ['nope'] });
    await expect(bad({ nope: 1 })).rejects.toMatchObject({ code: JdbcErrorCodes.COLUMN_NOT_FOUND });
    await bad.close();
  });
});
