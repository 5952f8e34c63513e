import { resolve } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import type { JdbcConnectionOptions } from './connection-options.js';
import {
  type ColumnInfo,
  type Dialect,
  type ErrorKind,
  passingStringsAndNumbers,
  type Row,
  type SqlConnection,
  type ValueEncoder,
} from './dialect.js';
import { loadDriver } from './load-driver.js';
import { decimalParameter, isJsonLike, readDecimal, toJsonText } from './values.js';

/**
 * Integers come out as bigint (`safeIntegers`) so none loses precision; columns declared
 * `BIGINT` keep them, other integer columns get numbers when exact. The columns to look at are
 * picked once per statement, so a row costs a loop over those only: TEXT and REAL affinity
 * columns never hold an integer (SQLite converts one on insert), so they are skipped.
 */
function normalizer(statement: Statement, decimals: JdbcConnectionOptions['decimals']): (row: Row) => Row {
  const columns = statement.columns();
  const decimalColumns =
    decimals === 'big-decimal'
      ? columns.filter((c) => /decimal|numeric/i.test(c.type ?? '')).map((c) => c.name)
      : [];
  const integerColumns = columns
    .filter(
      (c) => !/bigint|int8/i.test(c.type ?? '') && mayHoldInteger(c.type) && !decimalColumns.includes(c.name),
    )
    .map((c) => c.name);
  if (decimalColumns.length === 0 && integerColumns.length === 0) return (row) => row;
  return (row) => {
    for (const key of decimalColumns) row[key] = readDecimal(row[key], decimals);
    for (const key of integerColumns) {
      const value = row[key];
      if (typeof value === 'bigint' && Number.isSafeInteger(Number(value))) row[key] = Number(value);
    }
    return row;
  };
}

/** SQLite's affinity rules (in their order): only INTEGER, NUMERIC and BLOB/none keep integers. */
function mayHoldInteger(declared: string | null): boolean {
  const type = (declared ?? '').toUpperCase();
  if (type.includes('INT')) return true;
  if (/CHAR|CLOB|TEXT/.test(type)) return false;
  if (type === '' || type.includes('BLOB')) return true;
  return !/REAL|FLOA|DOUB/.test(type);
}

/** Per database file: the tail of this process's queue of write transactions. */
const writeQueues = new Map<string, Promise<void>>();

class SqliteConnection implements SqlConnection {
  private readonly statements = new Map<string, Statement>();
  constructor(
    readonly dialect: Dialect,
    private readonly db: Database,
    private readonly filename: string,
    private readonly decimals: JdbcConnectionOptions['decimals'],
  ) {}

  async acquireWriteLock(): Promise<() => void> {
    const previous = writeQueues.get(this.filename) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    writeQueues.set(this.filename, tail);
    await previous;
    return () => {
      release();
      if (writeQueues.get(this.filename) === tail) writeQueues.delete(this.filename);
    };
  }

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (this.statements.size > 200) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const statement = this.prepare(sql);
    if (!statement.reader) {
      statement.run(...params);
      return [];
    }
    const normalize = normalizer(statement, this.decimals);
    return (statement.safeIntegers(true).all(...params) as Row[]).map(normalize);
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    const statement = this.prepare(sql);
    if (statement.reader) return (statement.all(...params) as unknown[]).length;
    return statement.run(...params).changes;
  }

  async *stream(sql: string, params: readonly unknown[], fetchSize: number): AsyncIterable<Row[]> {
    // Its own statement: an open iterator keeps it busy.
    const statement = this.db.prepare(sql).safeIntegers(true);
    const normalize = normalizer(statement, this.decimals);
    let chunk: Row[] = [];
    for (const row of statement.iterate(...params) as IterableIterator<Row>) {
      chunk.push(normalize(row));
      if (chunk.length >= fetchSize) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  async close(): Promise<void> {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  driver: 'better-sqlite3',
  maxParameters: 32_766,
  errorAbortsTransaction: false,

  async connect(options: JdbcConnectionOptions): Promise<SqlConnection> {
    const module = await loadDriver('better-sqlite3', () => import('better-sqlite3'));
    const DatabaseClass = (module as { default: typeof import('better-sqlite3') }).default;
    const db = new DatabaseClass(options.filename ?? ':memory:', { timeout: options.connectTimeoutMs });
    // WAL: readers (a source, a lookup) do not block the sink's writes.
    if (options.filename !== undefined && options.filename !== ':memory:') db.pragma('journal_mode = WAL');
    return new SqliteConnection(sqliteDialect, db, resolve(options.filename ?? ':memory:'), options.decimals);
  },

  quote: (identifier) => `"${identifier.replaceAll('"', '""')}"`,
  placeholder: () => '?',

  insertSql(table, columns, rows, upsertKeys) {
    const q = sqliteDialect.quote;
    const tuple = `(${columns.map(() => '?').join(',')})`;
    let sql = `INSERT INTO ${q(table)} (${columns.map(q).join(',')}) VALUES ${Array(rows).fill(tuple).join(',')}`;
    if (upsertKeys !== undefined) {
      const others = columns.filter((c) => !upsertKeys.includes(c));
      sql += ` ON CONFLICT (${upsertKeys.map(q).join(',')}) DO ${
        others.length === 0
          ? 'NOTHING'
          : `UPDATE SET ${others.map((c) => `${q(c)} = excluded.${q(c)}`).join(',')}`
      }`;
    }
    return sql;
  },

  beginSql: () => 'BEGIN IMMEDIATE',

  async listDatabases() {
    return ['main'];
  },

  async listTables(connection) {
    const rows = await connection.query(
      "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    return rows.map((r) => String(r.name));
  },

  async listColumns(connection, table): Promise<ColumnInfo[]> {
    const rows = await connection.query('SELECT name, type, "notnull" AS nn, pk FROM pragma_table_info(?)', [
      table,
    ]);
    return rows.map((r) => ({
      name: String(r.name),
      type: String(r.type).toLowerCase(),
      nullable: Number(r.nn) === 0,
      primaryKeyPosition: Number(r.pk) > 0 ? Number(r.pk) : undefined,
    }));
  },

  classify(error: unknown): ErrorKind {
    const code = String((error as { code?: unknown })?.code ?? '');
    const message = String((error as { message?: unknown })?.message ?? '');
    if (code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG')
      return 'constraint';
    if (/no such table/i.test(message)) return 'missing-table';
    if (/no such column|has no column named/i.test(message)) return 'missing-column';
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return 'connection';
    return 'other';
  },

  toParameter(value) {
    // The common case first: bound as they are.
    if (typeof value === 'string' || typeof value === 'number') return value;
    if (value === undefined || value === null) return null;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (value instanceof Date) return value.toISOString();
    if (isJsonLike(value)) return toJsonText(value);
    return decimalParameter(value);
  },
  parameterEncoder() {
    // The conversion depends on the value only (JSON, booleans, dates), not on the column.
    return sqliteParameter;
  },
};

/**
 * The sink's per-value encoder: strings and numbers (most values) in a function small enough
 * for V8 to inline into the encoding loop; the rest through `toParameter`.
 */
const sqliteParameter: ValueEncoder = passingStringsAndNumbers((value) =>
  typeof value === 'string' || typeof value === 'number' ? value : sqliteDialect.toParameter(value, ''),
);
