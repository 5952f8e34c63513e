import { fakeBatchContext, fakeWriterContext } from '@tributary/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigDecimal } from '../dialect/big-decimal.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import { ALL_KINDS, openTestDatabase, type TestDatabase } from '../testing-fixtures/test-databases.js';
import { JdbcSink } from './jdbc-sink.js';
import { JdbcSinkOptions } from './jdbc-sink-options.js';

/** Column names → declared types, read with the plain driver. */
async function columnsOf(db: TestDatabase, table: string): Promise<Record<string, string>> {
  const rows =
    db.kind === 'postgres'
      ? await db.rows(
          'SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position',
          [table],
        )
      : db.kind === 'mariadb'
        ? await db.rows(
            'SELECT column_name AS name, column_type AS type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position',
            [table],
          )
        : await db.rows('SELECT name, type FROM pragma_table_info(?)', [table]);
  return Object.fromEntries(rows.map((r) => [String(r.name), String(r.type).toLowerCase()]));
}

describe.each(ALL_KINDS)('JdbcSink createTable / addColumns on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(kind, 'evolve');
  });
  afterAll(async () => {
    await db?.close();
  });

  it('is off by default: a missing table and an unknown field are errors naming them', async () => {
    await expect(
      new JdbcSink({ ...db.connection, table: 'absent' }).createWriter(fakeWriterContext()),
    ).rejects.toMatchObject({ code: JdbcErrorCodes.TABLE_NOT_FOUND });
    await db.exec('CREATE TABLE fixed (id INT PRIMARY KEY)');
    const writer = await new JdbcSink({ ...db.connection, table: 'fixed' }).createWriter(fakeWriterContext());
    await writer.write([{ id: 1, extra: 'x' }], fakeBatchContext());
    await expect(writer.flush(true)).rejects.toMatchObject({ code: JdbcErrorCodes.COLUMN_NOT_FOUND });
    await writer.close();
  });

  it('creates the table from the records (types from values, key from keyColumns) and upserts into it', async () => {
    const rows = [
      {
        id: 1,
        name: null,
        amount: BigDecimal.parse('12345678901234567890.5'),
        ratio: 0.5,
        big: 2n ** 62n,
        on: true,
      },
      { id: 2, name: 'Grace', amount: BigDecimal.parse('-1.25'), ratio: 1.5, big: 3n, on: false },
      { id: 1, name: 'Ada', amount: BigDecimal.parse('7'), ratio: 2.5, big: 4n, on: true },
    ];
    // Straight into the writer: bigint and BigDecimal values reach it as they are.
    const writer = await new JdbcSink({
      ...db.connection,
      table: 'created',
      writeMode: 'upsert',
      keyColumns: ['id'],
      createTable: true,
      columnTypes: { ratio: kind === 'postgres' ? 'REAL' : 'FLOAT' },
    }).createWriter(fakeWriterContext());
    await writer.write(rows, fakeBatchContext());
    await writer.flush(true);
    await writer.close();
    const types = await columnsOf(db, 'created');
    expect(Object.keys(types)).toEqual(['id', 'name', 'amount', 'ratio', 'big', 'on']);
    expect(types.id).toMatch(/int/);
    expect(types.name).toMatch(/text|varchar/);
    expect(types.amount).toMatch(kind === 'sqlite' ? /decimal_text/ : /numeric|decimal/);
    expect(types.ratio).toMatch(kind === 'postgres' ? /real/ : /float/);
    const cast = kind === 'mariadb' ? 'CHAR' : 'TEXT';
    const stored = await db.rows(
      `SELECT id, name, CAST(amount AS ${cast}) AS amount, CAST(big AS ${cast}) AS big FROM created ORDER BY id`,
    );
    expect(
      stored.map((r) => [Number(r.id), r.name, String(r.amount).replace(/\.?0+$/, ''), String(r.big)]),
    ).toEqual([
      [1, 'Ada', '7', '4'],
      [2, 'Grace', '-1.25', '3'],
    ]);
  });

  it('adds a nullable column for a new field; earlier rows keep NULL there', async () => {
    await db.exec(
      `CREATE TABLE growing (id INT PRIMARY KEY, v ${kind === 'mariadb' ? 'VARCHAR(20)' : 'TEXT'})`,
    );
    const writer = await new JdbcSink({ ...db.connection, table: 'growing', addColumns: true }).createWriter(
      fakeWriterContext(),
    );
    await writer.write([{ id: 1, v: 'a' }], fakeBatchContext());
    await writer.flush(false);
    await writer.write(
      [{ id: 2, v: 'b', score: 42, seen: new Date('2024-05-01T10:00:00.123Z') }],
      fakeBatchContext(),
    );
    await writer.flush(true);
    await writer.close();
    const types = await columnsOf(db, 'growing');
    expect(Object.keys(types)).toEqual(['id', 'v', 'score', 'seen']);
    const rows = await db.rows('SELECT id, score FROM growing ORDER BY id');
    expect(rows.map((r) => [Number(r.id), r.score === null ? null : Number(r.score)])).toEqual([
      [1, null],
      [2, 42],
    ]);
  });

  it('an upsert into a table to create needs keyColumns; addColumns is refused with exactly-once', async () => {
    await expect(
      new JdbcSink({
        ...db.connection,
        table: 'keyless',
        writeMode: 'upsert',
        createTable: true,
      }).createWriter(fakeWriterContext()),
    ).rejects.toMatchObject({ code: JdbcErrorCodes.INVALID_TABLE_OPTIONS });
    if (kind !== 'sqlite')
      expect(() =>
        JdbcSinkOptions.parse({
          ...db.connection,
          table: 't',
          addColumns: true,
          deliveryGuarantee: 'exactly-once',
        }),
      ).toThrow(/addColumns/);
  });
});
