import { describe, expect, it } from 'vitest';
import type { TableInfo } from '../catalog/jdbc-catalog.js';
import type { SqlConnection } from '../dialect/dialect.js';
import { postgresDialect } from '../dialect/postgres-dialect.js';
import { BatchStatements, RejectedRowsNeedReplay } from './batch-statements.js';
import type { RowOp } from './row-ops.js';

const table: TableInfo = {
  name: 'items',
  columns: [
    { name: 'id', type: 'integer', nullable: false, primaryKeyPosition: 1 },
    { name: 'v', type: 'integer', nullable: false, primaryKeyPosition: undefined },
  ],
  primaryKey: ['id'],
};

/** A PostgreSQL-like connection that records statements and rejects rows whose v is negative. */
function recordingConnection(): SqlConnection & { readonly statements: string[] } {
  const statements: string[] = [];
  const run = async (sql: string, params: readonly unknown[] = []) => {
    statements.push(sql.split(' ')[0] === 'INSERT' ? 'INSERT' : sql);
    if (params.some((p, i) => i % 2 === 1 && Number(p) < 0))
      throw Object.assign(new Error('new row violates check constraint'), { code: '23514' });
    return 1;
  };
  return {
    dialect: postgresDialect,
    statements,
    query: async (sql, params) => {
      await run(sql, params);
      return [];
    },
    execute: run,
    stream: () => {
      throw new Error('not used');
    },
    close: async () => {},
  };
}

const ops = (values: number[]): RowOp[] =>
  values.map((v, id) => ({ kind: 'write', row: { id, v }, record: { id, v } }));

const statements = () =>
  new BatchStatements(postgresDialect, table, undefined, false, {
    mode: 'skip',
    deadLetter: undefined,
    onRejected: () => {},
  });

describe('BatchStatements on a database where a failed statement aborts the transaction', () => {
  it('writes an optimistic batch without savepoints (two round trips fewer per chunk)', async () => {
    const connection = recordingConnection();
    const outcome = await statements().write(connection, ops([1, 2, 3]), { optimistic: true });
    expect(outcome).toEqual({ written: 3, rejected: 0 });
    expect(connection.statements).toEqual(['INSERT']);
  });

  it('guards each chunk with a savepoint when not optimistic, isolating a rejected row', async () => {
    const connection = recordingConnection();
    const outcome = await statements().write(connection, ops([1, -1, 3]));
    expect(outcome).toEqual({ written: 2, rejected: 1 });
    expect(connection.statements.slice(0, 3)).toEqual([
      'SAVEPOINT trib_chunk',
      'INSERT',
      'ROLLBACK TO SAVEPOINT trib_chunk',
    ]);
  });

  it('asks for a replay when an optimistic batch meets a rejected row', async () => {
    const connection = recordingConnection();
    const error = await statements()
      .write(connection, ops([1, -1, 3]), { optimistic: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedRowsNeedReplay);
    expect(connection.statements).toEqual(['INSERT']);
  });
});
