import { describe, expect, it } from 'vitest';
import { postgresDialect } from '../dialect/postgres-dialect.js';
import { sqliteDialect } from '../dialect/sqlite-dialect.js';
import { JdbcSourceOptions } from './jdbc-source-options.js';
import { encodeKey } from './jdbc-source-split.js';
import { splitQuery } from './split-query.js';

describe('split queries', () => {
  it('a range split resumes after its last key, in key order', () => {
    const options = JdbcSourceOptions.parse({ dialect: 'postgres', table: 'orders', partitionColumn: 'p' });
    const { sql, params } = splitQuery(
      postgresDialect,
      options,
      ['a', 'b'],
      {
        splitId: 'range-1',
        ordinal: 1,
        lower: '10',
        upper: '20',
        orderColumns: ['a', 'b'],
        lastKey: encodeKey([5n, 'x']),
      },
      0,
    );
    expect(sql).toBe(
      'SELECT * FROM "orders" WHERE "p" IS NOT NULL AND "p" >= $1 AND "p" < $2 AND ("a", "b") > ($3, $4) ORDER BY "a", "b"',
    );
    expect(params).toEqual(['10', '20', 5n, 'x']);
  });

  it('timestamp+incrementing polls after the last (ts, id) and below now − lag', () => {
    const options = JdbcSourceOptions.parse({
      dialect: 'sqlite',
      filename: 'x.db',
      query: 'SELECT * FROM events',
      mode: 'timestamp+incrementing',
      timestampColumn: 'ts',
      incrementingColumn: 'id',
      timestampLagMs: 5000,
    });
    const { sql, params } = splitQuery(
      sqliteDialect,
      options,
      ['ts', 'id'],
      {
        splitId: 'incremental',
        ordinal: 0,
        unbounded: true,
        orderColumns: ['ts', 'id'],
        lastKey: ['2024-05-01T00:00:00Z', 7],
      },
      Date.parse('2024-05-02T00:00:05Z'),
    );
    expect(sql).toBe(
      'SELECT * FROM (SELECT * FROM events) trib_q WHERE ("ts", "id") > (?, ?) AND "ts" <= ? ORDER BY "ts", "id"',
    );
    expect(params).toEqual(['2024-05-01T00:00:00Z', 7, '2024-05-02T00:00:00.000Z']);
  });

  it('options name what a mode needs', () => {
    expect(() => JdbcSourceOptions.parse({ dialect: 'postgres', table: 't', mode: 'incrementing' })).toThrow(
      /incrementingColumn/,
    );
    expect(() => JdbcSourceOptions.parse({ dialect: 'postgres', query: 'SELECT 1' })).toThrow(/keyColumns/);
    expect(() => JdbcSourceOptions.parse({ dialect: 'postgres' })).toThrow(/table/);
  });
});
