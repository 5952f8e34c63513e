import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { TableInfo } from '../catalog/jdbc-catalog.js';
import type { SqlConnection } from '../dialect/dialect.js';
import { copyFieldEncoder } from '../dialect/postgres-copy.js';
import { postgresDialect } from '../dialect/postgres-dialect.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import { BatchStatements, RejectedRowsNeedReplay } from './batch-statements.js';
import { rowBatch } from './row-ops.js';

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

const ops = (values: number[]) => rowBatch(values.map((v, id) => ({ id, v })));

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
    // Bytes: six integer parameters, 8 each.
    expect(outcome).toEqual({ written: 3, rejected: 0, bytes: 48 });
    expect(connection.statements).toEqual(['INSERT']);
  });

  it('guards each chunk with a savepoint when not optimistic, isolating a rejected row', async () => {
    const connection = recordingConnection();
    const outcome = await statements().write(connection, ops([1, -1, 3]));
    expect(outcome).toMatchObject({ written: 2, rejected: 1 });
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

describe('BatchStatements with a ready promise (the caller BEGIN in flight)', () => {
  /** Rows whose `v` is read through a getter, so the test sees when they are encoded. */
  const watchedRows = (n: number, reads: number[]) =>
    rowBatch(
      Array.from({ length: n }, (_, id) => ({
        id,
        get v() {
          reads.push(id);
          return id;
        },
      })),
    );

  it('encodes the first chunk before ready settles and sends nothing until it has', async () => {
    const connection = recordingConnection();
    const reads: number[] = [];
    let begin!: () => void;
    const ready = new Promise<void>((resolve) => {
      begin = resolve;
    });
    const written = statements().write(connection, watchedRows(3, reads), { optimistic: true, ready });
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads).toEqual([0, 1, 2]);
    expect(connection.statements).toEqual([]);
    begin();
    expect(await written).toMatchObject({ written: 3, rejected: 0 });
    expect(connection.statements).toEqual(['INSERT']);
  });

  it('throws a rejected ready as is, before any statement', async () => {
    const connection = recordingConnection();
    const beginFailed = new Error('BEGIN failed');
    const error = await statements()
      .write(connection, ops([1, 2]), { optimistic: true, ready: Promise.reject(beginFailed) })
      .catch((e: unknown) => e);
    expect(error).toBe(beginFailed);
    expect(connection.statements).toEqual([]);
  });
});

describe('BatchStatements full chunks', () => {
  it('sends full chunks as a repeated statement with one refilled parameter array, the tail as a plain one', async () => {
    const sent: { how: string; params: unknown[] }[] = [];
    const arrays = new Set<readonly unknown[]>();
    const connection: SqlConnection = {
      ...recordingConnection(),
      execute: async (_sql, params = []) => {
        sent.push({ how: 'execute', params: [...params] });
        return 1;
      },
      executeRepeated: async (_sql, params) => {
        arrays.add(params);
        sent.push({ how: 'repeated', params: [...params] });
        return 1;
      },
    };
    const values = Array.from({ length: 2500 }, (_, i) => i);
    await statements().write(connection, ops(values), { optimistic: true });
    expect(sent.map((s) => [s.how, s.params.length])).toEqual([
      ['repeated', 2000],
      ['repeated', 2000],
      ['execute', 1000],
    ]);
    // One array, refilled: each chunk still carried its own rows' values.
    expect(arrays.size).toBe(1);
    expect(sent.flatMap((s) => s.params)).toEqual(values.flatMap((v, id) => [id, v]));
  });
});

/** Records statements as rows (column → value), decoding multi-row INSERT parameters and COPY text. */
function decodingConnection(): SqlConnection & { readonly rows: Record<string, unknown>[] } {
  const rows: Record<string, unknown>[] = [];
  const prepareValue = (value: unknown) =>
    (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils.prepareValue(value);
  const columnsOf = (sql: string) =>
    (/\(([^)]*)\) (?:VALUES|FROM)/.exec(sql)?.[1] ?? '').split(',').map((c) => c.replaceAll('"', ''));
  const execute = async (sql: string, params: readonly unknown[] = []) => {
    if (!sql.startsWith('INSERT')) return 0;
    const columns = columnsOf(sql);
    for (let r = 0; r < params.length / columns.length; r++)
      rows.push(Object.fromEntries(columns.map((c, i) => [c, params[r * columns.length + i]])));
    return params.length / columns.length;
  };
  return {
    dialect: postgresDialect,
    rows,
    query: async () => [],
    execute,
    stream: () => {
      throw new Error('not used');
    },
    close: async () => {},
    copyFieldEncoder: (type) =>
      copyFieldEncoder(postgresDialect.parameterEncoder(type), prepareValue, type === 'jsonb'),
    copyIn: async (_table, columns, text) => {
      const lines = text.split('\n');
      expect(lines.pop()).toBe('');
      for (const line of lines)
        rows.push(
          Object.fromEntries(
            line
              .split('\t')
              .map((field, i) => [columns[i], field === '\\N' ? null : field.replaceAll('\\t', '\t')]),
          ),
        );
      return lines.length;
    },
  };
}

const wide: TableInfo = {
  name: 'wide',
  columns: [
    { name: 'id', type: 'integer', nullable: false, primaryKeyPosition: 1 },
    { name: 'label', type: 'text', nullable: true, primaryKeyPosition: undefined },
    { name: 'doc', type: 'jsonb', nullable: true, primaryKeyPosition: undefined },
  ],
  primaryKey: ['id'],
};

describe('BatchStatements row shapes', () => {
  const written = (copy: boolean) =>
    new BatchStatements(
      postgresDialect,
      wide,
      undefined,
      false,
      {
        mode: 'fail',
        deadLetter: undefined,
        onRejected: () => {},
      },
      copy,
    );
  // The usual shape, then other field orders, an undefined field (left to the column default),
  // a NULL, and the usual shape again after them.
  const mixed: Record<string, unknown>[] = [
    { id: 1, label: 'a\tb', doc: { k: 1 } },
    { id: 2, label: 'b', doc: null },
    { label: 'c', id: 3, doc: { k: 3 } },
    { id: 4, label: undefined, doc: { k: 4 } },
    { doc: { k: 5 }, id: 5 },
    { id: 6, label: null, doc: { k: 6 } },
    ...Array.from({ length: 1500 }, (_, i) => ({ id: 7 + i, label: `l${i}`, doc: { k: i } })),
  ];
  const expected = (row: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(row)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, k === 'doc' && v !== null ? JSON.stringify(v) : v]),
    );
  const byId = (rows: Record<string, unknown>[]) =>
    [...rows].sort((a, b) => Number(a.id) - Number(b.id)).map((r) => ({ ...r, id: Number(r.id) }));

  for (const copy of [false, true]) {
    it(`writes every row's values under its own columns, whatever its field order (${copy ? 'COPY' : 'INSERT'})`, async () => {
      const connection = decodingConnection();
      const statements = written(copy);
      expect(await statements.write(connection, rowBatch(mixed))).toMatchObject({
        written: mixed.length,
        rejected: 0,
      });
      // Twice: the second batch starts from the shape the first one learnt.
      await statements.write(connection, rowBatch(mixed.slice(2, 5)));
      expect(byId(connection.rows)).toEqual(
        byId([...mixed, ...mixed.slice(2, 5)].map((r) => expected(r)).map((r) => (copy ? textual(r) : r))),
      );
    });
  }

  it('an unknown field fails the batch naming the field, in any position of the batch', async () => {
    const connection = decodingConnection();
    for (const rows of [[{ id: 1, nope: 1 }], [{ id: 1 }, { id: 2, label: 'x', nope: 1 }]]) {
      const error = await written(false)
        .write(connection, rowBatch(rows))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: JdbcErrorCodes.COLUMN_NOT_FOUND, context: { column: 'nope' } });
    }
  });
});

/** A row as COPY text decodes it: every non-null value as its text. */
function textual(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : String(v)]));
}
