import { CollectSink, Pipeline, silentLogger } from '@tributary/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionOf } from '../dialect/connection-options.js';
import { dialectOf } from '../dialect/dialects.js';
import { ALL_KINDS, openTestDatabase, type TestDatabase } from '../testing-fixtures/test-databases.js';
import { JdbcSource } from './jdbc-source.js';
import { JdbcSourceOptions, type JdbcSourceOptionsInput } from './jdbc-source-options.js';
import { decodeKey, type JdbcSplit } from './jdbc-source-split.js';
import { planSplits } from './split-planner.js';

const env = { logger: silentLogger };
const ROWS = 400;
const HOUR = 3_600_000;
const START = Date.parse('2024-01-01T00:00:00Z');
/** 90 % of the rows in 0..359, the rest far away: equal-width ranges put almost all in one split. */
const skewOf = (i: number) => (i < 360 ? i : 1_000_000_000_000 + i);
const atOf = (i: number) => (i % 50 === 0 ? null : new Date(START + i * HOUR));
const dayOf = (i: number) => new Date(START + (i % 100) * 24 * HOUR).toISOString().slice(0, 10);
const localOf = (i: number) => new Date(START + i * 90_000).toISOString().slice(0, 19).replace('T', ' ');

/** The value of `column` of row `i` as a comparable number (what the split bounds are checked with). */
function axis(column: string, value: unknown): number {
  if (column === 'skew') return Number(value);
  const text = value instanceof Date ? value.toISOString() : String(value);
  return Date.parse(
    text.length === 10 ? `${text}T00:00:00Z` : `${text.replace(' ', 'T').replace(/Z?$/, 'Z')}`,
  );
}

describe.each(ALL_KINDS)('JdbcSource split strategies on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(kind, 'splits');
    const types =
      kind === 'postgres'
        ? ['TIMESTAMPTZ', 'TIMESTAMP', 'DATE']
        : kind === 'mariadb'
          ? ['TIMESTAMP(3) NULL', 'DATETIME(3)', 'DATE']
          : ['TEXT', 'TEXT', 'TEXT'];
    await db.exec(
      `CREATE TABLE stamped (id INT PRIMARY KEY, at ${types[0]}, local_at ${types[1]}, day ${types[2]}, skew BIGINT)`,
    );
    const ids = Array.from({ length: ROWS }, (_, i) => i);
    await db.exec(
      `INSERT INTO stamped (id, at, local_at, day, skew) VALUES ${ids.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
      ids.flatMap((i) => {
        const at = atOf(i);
        const instant = at === null ? null : kind === 'sqlite' ? at.toISOString() : at;
        return [i, instant, localOf(i), dayOf(i), skewOf(i)];
      }),
    );
  });
  afterAll(async () => {
    await db?.close();
  });

  async function plan(input: Omit<JdbcSourceOptionsInput, 'dialect'>): Promise<JdbcSplit[]> {
    const options = JdbcSourceOptions.parse({ ...db.connection, ...input });
    const dialect = dialectOf(options.dialect);
    const connection = await dialect.connect(connectionOf(options));
    try {
      return await planSplits(dialect, connection, options, ['id']);
    } finally {
      await connection.close();
    }
  }

  /** Rows per range split, counted in JS from the generated values and the planned cut points. */
  function rowsPerRange(splits: readonly JdbcSplit[], column: string, valueAt: (i: number) => unknown) {
    const ranges = splits.filter((s) => !s.nulls);
    return ranges.map((s) => {
      const lo = s.lower === undefined ? -Infinity : axis(column, decodeKey([s.lower])[0]);
      const hi = s.upper === undefined ? Infinity : axis(column, decodeKey([s.upper])[0]);
      return Array.from({ length: ROWS }, (_, i) => valueAt(i)).filter((v) => {
        if (v === null) return false;
        const x = axis(column, v);
        return x >= lo && x < hi;
      }).length;
    });
  }

  async function readIds(input: Omit<JdbcSourceOptionsInput, 'dialect'>): Promise<number[]> {
    using out = CollectSink.create<number>();
    await Pipeline.from(new JdbcSource({ ...db.connection, ...input }, (row) => Number(row.id)))
      .sinkTo(out.sink)
      .execute({ parallelism: 2 }, env);
    return out.results().sort((a, b) => a - b);
  }

  const everyId = Array.from({ length: ROWS }, (_, i) => i);

  it.each([
    ['at', atOf],
    ['local_at', localOf],
    ['day', dayOf],
  ] as const)('range splits of the %s column cut by time; every row read once', async (column, valueAt) => {
    const splits = await plan({ table: 'stamped', partitionColumn: column, numPartitions: 4 });
    expect(splits.filter((s) => !s.nulls)).toHaveLength(4);
    expect(splits.every((s) => s.nulls || s.bounds === 'value')).toBe(true);
    const counts = rowsPerRange(splits, column, valueAt);
    const nonNull = everyId.filter((i) => valueAt(i) !== null).length;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(nonNull);
    // Evenly spread values: equal time ranges hold about equal row counts.
    for (const count of counts) expect(count).toBeGreaterThan(nonNull / 8);
    expect(
      await readIds({ table: 'stamped', partitionColumn: column, numPartitions: 4, fetchSize: 37 }),
    ).toEqual(everyId);
  });

  it('range bounds given as timestamps: rows outside them are still read', async () => {
    const splits = await plan({
      table: 'stamped',
      partitionColumn: 'at',
      numPartitions: 3,
      lowerBound: new Date(START + 100 * HOUR),
      upperBound: new Date(START + 200 * HOUR),
    });
    expect(splits.filter((s) => !s.nulls)).toHaveLength(3);
    expect(
      await readIds({
        table: 'stamped',
        partitionColumn: 'at',
        numPartitions: 3,
        lowerBound: new Date(START + 100 * HOUR),
        upperBound: new Date(START + 200 * HOUR),
      }),
    ).toEqual(everyId);
  });

  it('key-boundary splits balance a skewed key that equal-width ranges do not', async () => {
    const ranged = rowsPerRange(
      await plan({ table: 'stamped', partitionColumn: 'skew', numPartitions: 4 }),
      'skew',
      skewOf,
    );
    expect(Math.max(...ranged)).toBeGreaterThanOrEqual(360);
    const splits = await plan({
      table: 'stamped',
      partitionColumn: 'skew',
      partitionStrategy: 'key-boundaries',
      numPartitions: 4,
    });
    const balanced = rowsPerRange(splits, 'skew', skewOf);
    expect(balanced).toEqual([100, 100, 100, 100]);
    expect(
      await readIds({
        table: 'stamped',
        partitionColumn: 'skew',
        partitionStrategy: 'key-boundaries',
        numPartitions: 4,
      }),
    ).toEqual(everyId);
  });

  it('key-boundary splits work on a timestamp column with NULLs and on a query source', async () => {
    expect(
      await readIds({
        table: 'stamped',
        partitionColumn: 'at',
        partitionStrategy: 'key-boundaries',
        numPartitions: 5,
      }),
    ).toEqual(everyId);
    expect(
      await readIds({
        query: 'SELECT id, day FROM stamped WHERE id < 200',
        keyColumns: ['id'],
        partitionColumn: 'day',
        partitionStrategy: 'key-boundaries',
        numPartitions: 3,
      }),
    ).toEqual(everyId.slice(0, 200));
  });

  it('a column of another type is refused for range splits, naming the way out', async () => {
    await expect(
      plan({ table: 'stamped', partitionColumn: 'id', numPartitions: 2, lowerBound: 'abc', upperBound: 'x' }),
    ).rejects.toThrow(/key-boundaries/);
  });
});
