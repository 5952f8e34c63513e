import { TributaryError } from '@tributary/core';
import type { Client, ClientConfig } from 'pg';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import type { JdbcConnectionOptions } from './connection-options.js';
import type {
  ColumnInfo,
  CopyFieldEncoder,
  Dialect,
  ErrorKind,
  PreparedFinish,
  Row,
  SqlConnection,
  TwoPhaseDialect,
  ValueEncoder,
} from './dialect.js';
import { passingStringsAndNumbers } from './dialect.js';
import { loadDriver } from './load-driver.js';
import { copyFieldEncoder, copyFrom } from './postgres-copy.js';
import { decimalParameter, isConnectionErrorCode, readDecimal, toJsonText } from './values.js';

// Type OIDs whose default parsing loses information or guesses a time zone.
const INT8 = 20;
const INT8_ARRAY = 1016;
const TIMESTAMP = 1114;
const TIMESTAMP_ARRAY = 1115;
const DATE = 1082;
const DATE_ARRAY = 1182;
const NUMERIC = 1700;
const NUMERIC_ARRAY = 1231;

type PgModule = typeof import('pg');

/** pg's type parsers, adjusted: int8 → bigint, timestamp without zone and date → text as stored. */
function typeParsers(pg: PgModule, decimals: JdbcConnectionOptions['decimals']): ClientConfig['types'] {
  const parseArray = (text: string, element: (s: string) => unknown) =>
    (pg.types.getTypeParser(1009 as never) as (s: string) => (string | null)[])(text).map((s) =>
      s === null ? null : element(s),
    );
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      switch (oid) {
        case INT8:
          return (text: string) => BigInt(text);
        case INT8_ARRAY:
          return (text: string) => parseArray(text, (s) => BigInt(s));
        case NUMERIC:
          return (text: string) => readDecimal(text, decimals);
        case NUMERIC_ARRAY:
          return (text: string) => parseArray(text, (s) => readDecimal(s, decimals));
        case TIMESTAMP:
        case DATE:
          return (text: string) => text;
        case TIMESTAMP_ARRAY:
        case DATE_ARRAY:
          return (text: string) => parseArray(text, (s) => s);
        default:
          return pg.types.getTypeParser(oid, format);
      }
    }) as NonNullable<ClientConfig['types']>['getTypeParser'],
  };
}

/** Named statements one connection keeps at most (one per batch shape, normally one). */
const MAX_NAMED_STATEMENTS = 64;

class PostgresConnection implements SqlConnection {
  private cursors = 0;
  /** Statement text → the name it was prepared under on this connection (the session keeps it). */
  private readonly statementNames = new Map<string, string>();
  constructor(
    readonly dialect: Dialect,
    private readonly client: Client,
    private readonly prepareValue: (value: unknown) => unknown,
  ) {
    // An idle client whose server connection dies emits 'error'; the next query reports it.
    client.on('error', () => {});
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.client.query(sql, params as unknown[])).rows;
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.client.query(sql, params as unknown[])).rowCount ?? 0;
  }

  async executeRepeated(sql: string, params: readonly unknown[]): Promise<number> {
    let name = this.statementNames.get(sql);
    if (name === undefined) {
      if (this.statementNames.size >= MAX_NAMED_STATEMENTS) return this.execute(sql, params);
      name = `trib_stmt_${this.statementNames.size + 1}`;
      this.statementNames.set(sql, name);
    }
    // pg sends Parse only the first time (it records the name once the server parsed it; a
    // failed Parse is sent again next time), then Bind/Execute. Not transactional: a rollback
    // keeps it.
    return (await this.client.query({ name, text: sql, values: params as unknown[] })).rowCount ?? 0;
  }

  /** A server-side cursor in its own transaction: FETCH `fetchSize` rows at a time. */
  async *stream(sql: string, params: readonly unknown[], fetchSize: number): AsyncIterable<Row[]> {
    const cursor = `trib_cursor_${++this.cursors}`;
    await this.client.query('BEGIN READ ONLY');
    try {
      await this.client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, params as unknown[]);
      for (;;) {
        const { rows } = await this.client.query(`FETCH ${fetchSize} FROM ${cursor}`);
        if (rows.length === 0) break;
        yield rows;
        if (rows.length < fetchSize) break;
      }
      await this.client.query('COMMIT');
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  copyIn(table: string, columns: readonly string[], text: string): Promise<number> {
    const q = this.dialect.quote;
    return copyFrom(this.client, `COPY ${q(table)} (${columns.map(q).join(',')}) FROM STDIN`, text);
  }

  copyFieldEncoder(columnType: string): CopyFieldEncoder {
    return copyFieldEncoder(
      this.dialect.parameterEncoder(columnType),
      this.prepareValue,
      isJsonType(columnType),
    );
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}

const twoPhase: TwoPhaseDialect = {
  detachAfterPrepare: false,
  async checkAvailable(connection) {
    const rows = await connection.query('SHOW max_prepared_transactions');
    const max = Number(rows[0]?.max_prepared_transactions ?? 0);
    if (!(max > 0)) {
      throw new TributaryError(
        JdbcErrorCodes.TWO_PHASE_UNAVAILABLE,
        'Exactly-once on PostgreSQL needs prepared transactions, but the server has max_prepared_transactions = 0: set it (e.g. ALTER SYSTEM SET max_prepared_transactions = 64) to at least the sink parallelism × 2 and restart the server',
        { context: { setting: 'max_prepared_transactions', value: max } },
      );
    }
  },
  async begin(connection) {
    await connection.execute('BEGIN');
  },
  async prepare(connection, id) {
    await connection.execute(`PREPARE TRANSACTION ${literal(id)}`);
  },
  async commit(connection, id) {
    return finishPrepared(connection, `COMMIT PREPARED ${literal(id)}`);
  },
  async rollback(connection, id) {
    return finishPrepared(connection, `ROLLBACK PREPARED ${literal(id)}`);
  },
  async listPrepared(connection, prefix) {
    const rows = await connection.query(
      'SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND starts_with(gid, $1) ORDER BY gid',
      [prefix],
    );
    return rows.map((r) => String(r.gid));
  },
  async abortOpen(connection) {
    await connection.execute('ROLLBACK').catch(() => {});
  },
};

/** PREPARE TRANSACTION detaches at once: any session can finish it, so it is never `attached`. */
async function finishPrepared(connection: SqlConnection, sql: string): Promise<PreparedFinish> {
  try {
    await connection.execute(sql);
    return 'finished';
  } catch (error) {
    // 42704: no prepared transaction with that identifier (finished before).
    if ((error as { code?: string }).code === '42704') return 'absent';
    throw error;
  }
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export const postgresDialect: Dialect = {
  name: 'postgres',
  driver: 'pg',
  maxParameters: 65_535,
  errorAbortsTransaction: true,
  twoPhase,

  async connect(options: JdbcConnectionOptions): Promise<SqlConnection> {
    const pg = (await loadDriver('pg', () => import('pg'))) as PgModule & { default?: PgModule };
    const module = pg.default ?? pg;
    const client = new module.Client({
      host: options.host,
      port: options.port ?? 5432,
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.database === undefined ? {} : { database: options.database }),
      connectionTimeoutMillis: options.connectTimeoutMs,
      types: typeParsers(module, options.decimals),
    });
    await client.connect();
    const utils = (module as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils;
    return new PostgresConnection(postgresDialect, client, (value) => utils.prepareValue(value));
  },

  quote: (identifier) => `"${identifier.replaceAll('"', '""')}"`,
  placeholder: (index) => `$${index + 1}`,

  insertSql(table, columns, rows, upsertKeys) {
    const q = postgresDialect.quote;
    const width = columns.length;
    const values = Array.from(
      { length: rows },
      (_, r) => `(${columns.map((_, c) => `$${r * width + c + 1}`).join(',')})`,
    ).join(',');
    let sql = `INSERT INTO ${q(table)} (${columns.map(q).join(',')}) VALUES ${values}`;
    if (upsertKeys !== undefined) {
      const others = columns.filter((c) => !upsertKeys.includes(c));
      sql += ` ON CONFLICT (${upsertKeys.map(q).join(',')}) DO ${
        others.length === 0
          ? 'NOTHING'
          : `UPDATE SET ${others.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(',')}`
      }`;
    }
    return sql;
  },

  beginSql: () => 'BEGIN',

  async listDatabases(connection) {
    const rows = await connection.query(
      'SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname',
    );
    return rows.map((r) => String(r.datname));
  },

  async listTables(connection) {
    const rows = await connection.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type IN ('BASE TABLE', 'VIEW') ORDER BY table_name",
    );
    return rows.map((r) => String(r.table_name));
  },

  async listColumns(connection, table): Promise<ColumnInfo[]> {
    const rows = await connection.query(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
              array_position(i.indkey::int2[], a.attnum) AS pk
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
         LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
        WHERE c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [table],
    );
    return rows.map((r) => ({
      name: String(r.name),
      type: String(r.type).toLowerCase(),
      nullable: Boolean(r.nullable),
      primaryKeyPosition: r.pk === null || r.pk === undefined ? undefined : Number(r.pk),
    }));
  },

  classify(error: unknown): ErrorKind {
    const code = String((error as { code?: unknown })?.code ?? '');
    if (code === '28P01' || code === '28000') return 'auth';
    if (code === '42P01') return 'missing-table';
    if (code === '42703') return 'missing-column';
    if (code.startsWith('23') || code.startsWith('22')) return 'constraint';
    if (code.startsWith('08') || code.startsWith('57P') || isConnectionErrorCode(code)) return 'connection';
    const message = String((error as { message?: unknown })?.message ?? '');
    if (/Connection terminated|Client has encountered a connection error|not queryable/i.test(message))
      return 'connection';
    return 'other';
  },

  toParameter(value, columnType) {
    return postgresDialect.parameterEncoder(columnType)(value);
  },

  parameterEncoder(columnType): ValueEncoder {
    return isJsonType(columnType) ? jsonParameter : plainParameter;
  },
};

const isJsonType = (columnType: string) => columnType === 'json' || columnType === 'jsonb';

function jsonParameter(value: unknown): unknown {
  return value === undefined || value === null ? null : toJsonText(value);
}

/** pg converts the rest itself (dates, arrays, buffers); exact decimals are bound as their text. */
const plainParameter = passingStringsAndNumbers((value: unknown): unknown => {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (value === undefined) return null;
  return decimalParameter(value);
});
