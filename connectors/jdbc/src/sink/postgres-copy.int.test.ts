import { fakeBatchContext, fakeWriterContext } from '@tributary/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../testing-fixtures/test-databases.js';
import { JdbcSink } from './jdbc-sink.js';
import { JdbcSinkOptions } from './jdbc-sink-options.js';

const COLUMNS =
  'id BIGINT PRIMARY KEY, label TEXT, doc JSONB, raw BYTEA, flag BOOLEAN, at TIMESTAMPTZ, local_at TIMESTAMP, amount NUMERIC(30,10), tags TEXT[]';

/** Values COPY's text format must escape or encode: tabs, newlines, backslashes, \N look-alikes, bytes, NULLs. */
function rowAt(i: number): Record<string, unknown> {
  return {
    id: 2n ** 60n + BigInt(i),
    label: i % 5 === 0 ? null : `tab\there\nnew line\\back\\N ${i} «ünï»`,
    doc: { i, nested: { text: 'a\tb', list: [1, 'two'] } },
    raw: Buffer.from([0, 9, 10, 92, 255, i % 256]),
    flag: i % 2 === 0,
    at: new Date(Date.UTC(2024, 4, 1, 10, 0, 0, i)),
    local_at: '2024-05-01 10:00:00.5',
    amount: `${i}.0123456789`,
    tags: ['x', `y\t${i}`, null],
  };
}

describe('JdbcSink COPY appends on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase('postgres', 'copy');
  });
  afterAll(async () => {
    await db?.close();
  });

  async function append(table: string, appendMethod: 'copy' | 'insert', rows: Record<string, unknown>[]) {
    const writer = await new JdbcSink({
      ...db.connection,
      table,
      appendMethod,
      batchSizeRows: 100,
    }).createWriter(fakeWriterContext());
    await writer.write(rows, fakeBatchContext());
    await writer.flush(true);
    await writer.close();
  }

  it('stores exactly what multi-row INSERT stores, for every type and escape', async () => {
    await db.exec(`CREATE TABLE by_copy (${COLUMNS})`);
    await db.exec(`CREATE TABLE by_insert (${COLUMNS})`);
    const rows = Array.from({ length: 250 }, (_, i) => rowAt(i));
    await append('by_copy', 'copy', rows);
    await append('by_insert', 'insert', rows);
    const count = await db.rows('SELECT count(*)::int AS n FROM by_copy');
    expect(count[0]?.n).toBe(250);
    // Row-for-row equal both ways (the oracle compares on the server).
    const diff = await db.rows(
      'SELECT count(*)::int AS n FROM ((SELECT * FROM by_copy EXCEPT ALL SELECT * FROM by_insert) UNION ALL (SELECT * FROM by_insert EXCEPT ALL SELECT * FROM by_copy)) d',
    );
    expect(diff[0]?.n).toBe(0);
    const [one] = await db.rows('SELECT label, raw, tags, amount::text AS amount FROM by_copy WHERE id = ?', [
      (2n ** 60n + 7n).toString(),
    ]);
    expect(one?.label).toBe('tab\there\nnew line\\back\\N 7 «ünï»');
    expect(one?.raw).toEqual(Buffer.from([0, 9, 10, 92, 255, 7]));
    expect(one?.tags).toEqual(['x', 'y\t7', null]);
    expect(one?.amount).toBe('7.0123456789');
    expect((await db.rows('SELECT count(*)::int AS n FROM by_copy WHERE label IS NULL'))[0]?.n).toBe(50);
  });

  it('retries a COPY batch after its connection is killed: nothing lost, nothing twice', async () => {
    await db.exec('CREATE TABLE copied (id INT PRIMARY KEY, v INT NOT NULL)');
    const writer = await new JdbcSink({
      ...db.connection,
      table: 'copied',
      appendMethod: 'copy',
      batchSizeRows: 50,
      retryBackoffMs: 50,
    }).createWriter(fakeWriterContext());
    let killed = 0;
    for (let round = 0; round < 10; round++) {
      if (round === 3 || round === 7) {
        const rows = await db.rows(
          'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        killed += rows.filter((r) => r.ok === true).length;
      }
      await writer.write(
        Array.from({ length: 50 }, (_, i) => ({ id: round * 50 + i, v: round })),
        fakeBatchContext(),
      );
    }
    await writer.flush(true);
    await writer.close();
    expect(killed).toBe(2);
    // A primary key: a batch written twice would have failed the job.
    const [row] = await db.rows('SELECT count(*)::int AS n, sum(v)::int AS s FROM copied');
    expect(row).toEqual({ n: 500, s: 50 * 45 });
  });

  it('a bad row in a COPY batch is handled per row (skip): the others are written', async () => {
    await db.exec('CREATE TABLE copy_checked (id INT PRIMARY KEY, v INT NOT NULL CHECK (v >= 0))');
    const ctx = fakeWriterContext();
    const writer = await new JdbcSink({
      ...db.connection,
      table: 'copy_checked',
      appendMethod: 'copy',
      onRowError: 'skip',
    }).createWriter(ctx);
    await writer.write(
      Array.from({ length: 20 }, (_, i) => ({ id: i, v: i === 13 ? -1 : i })),
      fakeBatchContext(),
    );
    await writer.flush(true);
    await writer.close();
    const ids = (await db.rows('SELECT id FROM copy_checked ORDER BY id')).map((r) => Number(r.id));
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 13));
    expect(ctx.metricGroup.numRecordsSendErrors.count).toBe(1);
  });

  it('COPY is PostgreSQL only', () => {
    expect(() =>
      JdbcSinkOptions.parse({ dialect: 'sqlite', filename: 'x.db', table: 't', appendMethod: 'copy' }),
    ).toThrow(/appendMethod/);
  });
});
