import { TributaryError } from '@tributary/core';
import type { Connection } from 'mysql2/promise';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import type { JdbcConnectionOptions } from './connection-options.js';
import type {
  ColumnInfo,
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
import { decimalParameter, isConnectionErrorCode, isJsonLike, readDecimal, toJsonText } from './values.js';

/** mysql2's column type codes (`FieldPacket.columnType`). */
const DECIMAL = 0x00;
const TINY = 0x01;
const LONGLONG = 0x08;
const NEWDECIMAL = 0xf6;

interface ResultField {
  readonly name: string;
  readonly columnType?: number;
  readonly columnLength?: number;
}

/**
 * BIGINT → bigint (mysql2 reads it as exact text), BOOLEAN (TINYINT(1)) → boolean, DECIMAL text
 * (or BigDecimal). The columns to convert are picked once per result from its fields, so a row
 * costs a loop over those only (a `typeCast` function costs a call and a closure per field and
 * row, for every column). `undefined`: nothing to convert.
 */
function rowConverter(
  fields: readonly ResultField[] | undefined,
  decimals: JdbcConnectionOptions['decimals'],
): ((row: Row) => void) | undefined {
  const bigints: string[] = [];
  const booleans: string[] = [];
  const decimalColumns: string[] = [];
  for (const field of fields ?? []) {
    if (field.columnType === LONGLONG) bigints.push(field.name);
    else if (field.columnType === TINY && field.columnLength === 1) booleans.push(field.name);
    else if ((field.columnType === NEWDECIMAL || field.columnType === DECIMAL) && decimals === 'big-decimal')
      decimalColumns.push(field.name);
  }
  if (bigints.length + booleans.length + decimalColumns.length === 0) return undefined;
  return (row) => {
    for (const key of bigints) {
      const value = row[key];
      if (value !== null && value !== undefined) row[key] = BigInt(value as string);
    }
    for (const key of booleans) {
      const value = row[key];
      if (value !== null && value !== undefined) row[key] = Number(value) !== 0;
    }
    for (const key of decimalColumns) row[key] = readDecimal(row[key], decimals);
  };
}

class MysqlConnection implements SqlConnection {
  constructor(
    readonly dialect: Dialect,
    private readonly connection: Connection,
    private readonly decimals: JdbcConnectionOptions['decimals'],
  ) {
    connection.on('error', () => {});
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const [rows, fields] = await this.connection.query(sql, params as unknown[]);
    if (!Array.isArray(rows)) return [];
    const convert = rowConverter(fields as ResultField[] | undefined, this.decimals);
    if (convert !== undefined) for (const row of rows as Row[]) convert(row);
    return rows as Row[];
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    const [result] = await this.connection.query(sql, params as unknown[]);
    return (result as { affectedRows?: number }).affectedRows ?? 0;
  }

  /** The callback connection's row stream (one row at a time off the socket), in chunks. */
  async *stream(sql: string, params: readonly unknown[], fetchSize: number): AsyncIterable<Row[]> {
    const raw = (
      this.connection as unknown as {
        connection: {
          query(
            s: string,
            p: unknown[],
          ): {
            on(event: 'fields', listener: (fields: ResultField[]) => void): void;
            stream(o: object): AsyncIterable<Row>;
          };
        };
      }
    ).connection;
    const query = raw.query(sql, params as unknown[]);
    // Emitted before the first row.
    let convert: ((row: Row) => void) | undefined;
    query.on('fields', (fields) => {
      convert = rowConverter(fields, this.decimals);
    });
    let chunk: Row[] = [];
    for await (const row of query.stream({ highWaterMark: fetchSize })) {
      convert?.(row);
      chunk.push(row);
      if (chunk.length >= fetchSize) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  async close(): Promise<void> {
    await this.connection.end().catch(() => this.connection.destroy());
  }
}

function literal(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

const XAER_NOTA = 1397;

/**
 * `XA COMMIT` / `XA ROLLBACK` from any session. "Unknown XID" (XAER_NOTA) is ambiguous on
 * MariaDB: no such prepared transaction, or one still attached to the session that prepared it
 * (another session can finish it only once the server has processed that session's disconnect,
 * which it does after the client saw the socket close; MDEV-22953 is the server's own test
 * hitting this). XA RECOVER lists prepared transactions of every session, attached ones
 * included, so it tells the two apart: absent only when it does not list the id.
 */
async function finishXa(
  connection: SqlConnection,
  verb: 'COMMIT' | 'ROLLBACK',
  id: string,
): Promise<PreparedFinish> {
  try {
    await connection.execute(`XA ${verb} ${literal(id)}`);
    return 'finished';
  } catch (error) {
    if ((error as { errno?: number }).errno !== XAER_NOTA) throw error;
    return (await listXaPrepared(connection, id)).includes(id) ? 'attached' : 'absent';
  }
}

/** Ids (gtrids) of the prepared XA transactions starting with `prefix`, across all sessions. */
async function listXaPrepared(connection: SqlConnection, prefix: string): Promise<string[]> {
  const rows = await connection.query('XA RECOVER');
  return rows
    .map((r) => {
      const data = r.data as Buffer | string;
      const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
      return text.slice(0, Number(r.gtrid_length));
    })
    .filter((id) => id.startsWith(prefix))
    .sort();
}

/** `now − Uptime` moves by a second as both tick: a restart shows as a larger step. */
const SERVER_START_JITTER_S = 2;

/** When the server started, in epoch seconds (`SHOW GLOBAL STATUS` works on MySQL and MariaDB). */
async function serverStartedAt(connection: SqlConnection): Promise<number> {
  const [now] = await connection.query('SELECT UNIX_TIMESTAMP() AS now');
  const [uptime] = await connection.query("SHOW GLOBAL STATUS LIKE 'Uptime'");
  return Math.round(Number(now?.now) - Number(uptime?.Value));
}

const twoPhase: TwoPhaseDialect = {
  detachAfterPrepare: true,
  async preparingSession(connection) {
    const rows = await connection.query('SELECT CONNECTION_ID() AS id');
    return { sessionId: Number(rows[0]?.id), serverStartedAt: await serverStartedAt(connection) };
  },
  async sessionEnded(connection, { sessionId, serverStartedAt: startedThen }) {
    const rows = await connection.query(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?',
      [sessionId],
    );
    if (Number(rows[0]?.n) === 0) return true;
    // A server restarted since numbers sessions from 1 again: this id is another session.
    if (startedThen === undefined) return false;
    return Math.abs((await serverStartedAt(connection)) - startedThen) > SERVER_START_JITTER_S;
  },
  async checkAvailable(connection) {
    try {
      await connection.query('XA RECOVER');
    } catch (cause) {
      throw new TributaryError(
        JdbcErrorCodes.TWO_PHASE_UNAVAILABLE,
        'Exactly-once on MySQL/MariaDB needs XA transactions, but XA RECOVER failed: grant the user XA_RECOVER_ADMIN (MySQL 8) and use InnoDB tables',
        { cause, context: { statement: 'XA RECOVER' } },
      );
    }
  },
  async begin(connection, id) {
    await connection.execute(`XA START ${literal(id)}`);
  },
  async prepare(connection, id) {
    await connection.execute(`XA END ${literal(id)}`);
    await connection.execute(`XA PREPARE ${literal(id)}`);
  },
  commit: (connection, id) => finishXa(connection, 'COMMIT', id),
  rollback: (connection, id) => finishXa(connection, 'ROLLBACK', id),
  listPrepared: listXaPrepared,
  async abortOpen(connection, id) {
    await connection.execute(`XA END ${literal(id)}`).catch(() => {});
    await connection.execute(`XA ROLLBACK ${literal(id)}`).catch(() => {});
  },
};

const CONSTRAINT_ERRNOS = new Set([
  1062, 1048, 1451, 1452, 3819, 4025, 1364, 1366, 1264, 1406, 1292, 1265, 1690,
]);
const CONNECTION_ERRNOS = new Set([1053, 1927, 2006, 2013, 2055]);

export const mysqlDialect: Dialect = {
  name: 'mysql',
  driver: 'mysql2',
  maxParameters: 65_535,
  errorAbortsTransaction: false,
  twoPhase,

  async connect(options: JdbcConnectionOptions): Promise<SqlConnection> {
    const mysql = await loadDriver('mysql2', () => import('mysql2/promise'));
    const module = (mysql as unknown as { default?: typeof mysql }).default ?? mysql;
    const connection = await module.createConnection({
      host: options.host,
      port: options.port ?? 3306,
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.database === undefined ? {} : { database: options.database }),
      connectTimeout: options.connectTimeoutMs,
      // Instants in UTC; DATE/DATETIME as the text stored (no zone is guessed for them).
      timezone: 'Z',
      dateStrings: ['DATE', 'DATETIME'],
      decimalNumbers: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
    // STRICT: a string into an INT column is an error, never a silent 0.
    await connection.query("SET SESSION sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES')");
    return new MysqlConnection(mysqlDialect, connection, options.decimals);
  },

  quote: (identifier) => `\`${identifier.replaceAll('`', '``')}\``,
  placeholder: () => '?',

  insertSql(table, columns, rows, upsertKeys) {
    const q = mysqlDialect.quote;
    const tuple = `(${columns.map(() => '?').join(',')})`;
    let sql = `INSERT INTO ${q(table)} (${columns.map(q).join(',')}) VALUES ${Array(rows).fill(tuple).join(',')}`;
    if (upsertKeys !== undefined) {
      const others = columns.filter((c) => !upsertKeys.includes(c));
      // With only key columns, re-assigning a key to itself makes the duplicate a no-op.
      const assigned = others.length === 0 ? [upsertKeys[0] as string] : others;
      sql += ` ON DUPLICATE KEY UPDATE ${assigned.map((c) => `${q(c)} = VALUES(${q(c)})`).join(',')}`;
    }
    return sql;
  },

  beginSql: () => 'START TRANSACTION',

  async listDatabases(connection) {
    const rows = await connection.query(
      'SELECT schema_name AS name FROM information_schema.schemata ORDER BY schema_name',
    );
    return rows.map((r) => String(r.name));
  },

  async listTables(connection) {
    const rows = await connection.query(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name',
    );
    return rows.map((r) => String(r.name));
  },

  async listColumns(connection, table): Promise<ColumnInfo[]> {
    const rows = await connection.query(
      `SELECT c.column_name AS name, c.column_type AS type, c.is_nullable AS nullable, k.ordinal_position AS pk
         FROM information_schema.columns c
         LEFT JOIN information_schema.key_column_usage k
           ON k.table_schema = c.table_schema AND k.table_name = c.table_name
          AND k.column_name = c.column_name AND k.constraint_name = 'PRIMARY'
        WHERE c.table_schema = DATABASE() AND c.table_name = ?
        ORDER BY c.ordinal_position`,
      [table],
    );
    return rows.map((r) => ({
      name: String(r.name),
      type: String(r.type).toLowerCase(),
      nullable: r.nullable === 'YES',
      primaryKeyPosition: r.pk === null || r.pk === undefined ? undefined : Number(r.pk),
    }));
  },

  classify(error: unknown): ErrorKind {
    const errno = Number((error as { errno?: unknown })?.errno ?? 0);
    const code = String((error as { code?: unknown })?.code ?? '');
    if (errno === 1045 || errno === 1044) return 'auth';
    if (errno === 1146) return 'missing-table';
    if (errno === 1054) return 'missing-column';
    if (CONSTRAINT_ERRNOS.has(errno)) return 'constraint';
    if (CONNECTION_ERRNOS.has(errno) || isConnectionErrorCode(code)) return 'connection';
    if (/connection.*(closed|lost)|closed state/i.test(String((error as Error)?.message ?? '')))
      return 'connection';
    return 'other';
  },

  toParameter(value) {
    // The common case first: bound as they are.
    if (typeof value === 'string' || typeof value === 'number') return value;
    if (value === undefined) return null;
    if (typeof value === 'bigint') return value.toString();
    if (isJsonLike(value)) return toJsonText(value);
    return decimalParameter(value);
  },
  parameterEncoder() {
    // The conversion depends on the value only (JSON, booleans, dates), not on the column.
    return mysqlParameter;
  },
};

const mysqlParameter = passingStringsAndNumbers(mysqlDialect.toParameter as ValueEncoder);
