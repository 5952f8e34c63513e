import type { TributaryError } from '@tributary/core';
import type { DialectName, JdbcConnectionOptions } from './connection-options.js';

/** A row as read or written: column name → value. */
export type Row = Record<string, unknown>;

/** Converts a value to what the driver binds for one column (chosen once per column by its type). */
export type ValueEncoder = (value: unknown) => unknown;
/**
 * A mark some encoders carry to say how they treat strings and numbers, so the sink's compiled
 * loops can handle those values inline and call the encoder only for others.
 */
function encoderMark<E extends object>(): { mark(encoder: E): E; has(encoder: E): boolean } {
  const marked = new WeakSet<E>();
  return {
    mark(encoder) {
      marked.add(encoder);
      return encoder;
    },
    has: (encoder) => marked.has(encoder),
  };
}

const passThrough = encoderMark<ValueEncoder>();
/**
 * Marks `encoder` as returning strings and numbers unchanged (most values): the sink's compiled
 * encoding loop binds those itself and calls the encoder only for other values.
 */
export const passingStringsAndNumbers = passThrough.mark;
/** Whether `encoder` was marked by {@link passingStringsAndNumbers}. */
export const passesStringsAndNumbers = passThrough.has;

/** Encodes a value of one column as a field of COPY's text format (escaped; `\N` for NULL). */
export type CopyFieldEncoder = (value: unknown) => string;
const copyPlain = encoderMark<CopyFieldEncoder>();
/**
 * Marks `encoder` as giving a string its COPY escaping (`escapeCopyText`) and a number its
 * `String` text (most values): the sink's compiled COPY loop writes those itself, inline, and
 * calls the encoder only for other values (the calls were not inlined there).
 */
export const escapingStringsAndNumbers = copyPlain.mark;
/** Whether `encoder` was marked by {@link escapingStringsAndNumbers}. */
export const escapesStringsAndNumbers = copyPlain.has;

/** A column as the catalog reports it. */
export interface ColumnInfo {
  readonly name: string;
  /** The database's own type name, lower case (`integer`, `numeric(12,2)`, `varchar(40)`, `jsonb`). */
  readonly type: string;
  readonly nullable: boolean;
  /** Position in the primary key (1-based), or undefined when not part of it. */
  readonly primaryKeyPosition: number | undefined;
}

/** An open connection of one dialect: the few operations the connector needs, nothing more. */
export interface SqlConnection {
  readonly dialect: Dialect;
  /** Runs a statement with `?`-free, dialect-native placeholders (see {@link Dialect.placeholder}); returns rows. */
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a statement and returns the number of affected rows. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * {@link execute} for a statement sent again and again on this connection (a full batch chunk):
   * PostgreSQL prepares it once under a name, so the server parses and analyses a 1000-row
   * INSERT once instead of per chunk. Absent where {@link execute} already reuses statements.
   */
  executeRepeated?(sql: string, params: readonly unknown[]): Promise<number>;
  /** Streams a query's rows in chunks of about `fetchSize` rows, never holding the whole result. */
  stream(sql: string, params: readonly unknown[], fetchSize: number): AsyncIterable<Row[]>;
  close(): Promise<void>;
  /**
   * PostgreSQL only: appends rows with `COPY … FROM STDIN`; `text` holds one line per row in
   * COPY's text format, fields in `columns` order (see {@link copyFieldEncoder}). Returns the rows copied.
   */
  copyIn?(table: string, columns: readonly string[], text: string): Promise<number>;
  /**
   * PostgreSQL only: the encoder of a column of `columnType` into a COPY text field, giving the
   * server the same text it parses for a bound parameter (COPY and INSERT store the same values).
   */
  copyFieldEncoder?(columnType: string): CopyFieldEncoder;
  /**
   * Embedded databases only (SQLite): waits for this process's other writers of the same file to
   * finish their transaction and returns the release. A synchronous driver waiting on a busy lock
   * would otherwise block the event loop that the lock holder needs to commit.
   */
  acquireWriteLock?(): Promise<() => void>;
}

/** What a failed statement was, as far as the connector's handling is concerned. */
export type ErrorKind =
  | 'connection' // the connection is gone or the server unreachable: reconnect and retry
  | 'auth' // credentials refused
  | 'constraint' // one row broke a constraint or a column type: per-row handling applies
  | 'missing-table'
  | 'missing-column'
  | 'other';

/** Everything that differs between databases. One implementation per database. */
export interface Dialect {
  readonly name: DialectName;
  /** The driver package this dialect loads. */
  readonly driver: 'pg' | 'mysql2' | 'better-sqlite3';
  /** Largest number of bind parameters one statement may carry. */
  readonly maxParameters: number;
  /** A failed statement aborts the whole transaction (PostgreSQL): per-row retries need savepoints. */
  readonly errorAbortsTransaction: boolean;
  connect(options: JdbcConnectionOptions): Promise<SqlConnection>;
  quote(identifier: string): string;
  /** The placeholder of the `index`-th (0-based) parameter: `$1` or `?`. */
  placeholder(index: number): string;
  /** `INSERT … VALUES (…), (…)` for `rows` rows; with `keys`, an upsert that updates the other columns. */
  insertSql(table: string, columns: readonly string[], rows: number, upsertKeys?: readonly string[]): string;
  beginSql(): string;
  /** Catalog: databases (schemas on MySQL) visible to the user. */
  listDatabases(connection: SqlConnection): Promise<string[]>;
  listTables(connection: SqlConnection): Promise<string[]>;
  /** Columns of `table` in order; empty when the table does not exist. */
  listColumns(connection: SqlConnection, table: string): Promise<ColumnInfo[]>;
  classify(error: unknown): ErrorKind;
  /** Converts a value to what the driver binds for a column of `type` (JSON text, 0/1, ISO text ...). */
  toParameter(value: unknown, columnType: string): unknown;
  /** {@link toParameter} for one column, chosen once by its type (the sink's per-value hot path). */
  parameterEncoder(columnType: string): ValueEncoder;
  /** Two-phase commit, when the database has it (PostgreSQL, MySQL/MariaDB). */
  readonly twoPhase?: TwoPhaseDialect;
}

/**
 * What committing or rolling back a prepared transaction found:
 * - `finished`: committed (rolled back) now;
 * - `absent`: the server has no prepared transaction with that id (finished before);
 * - `attached`: it is prepared but still attached to the session that prepared it, which has not
 *   ended yet (MariaDB: another session's `XA COMMIT` answers "unknown XID" until the server has
 *   processed that session's disconnect — which it does after the client saw the socket close).
 *   Not finished, and not gone: try again once that session has ended.
 */
export type PreparedFinish = 'finished' | 'absent' | 'attached';

/**
 * The session that prepared a transaction (MariaDB XA): the server's id of it, and when that
 * server started (epoch seconds). Ids start again from 1 when the server restarts, so the same id
 * on a server started since names another session.
 */
export interface PreparingSession {
  readonly sessionId: number;
  /** Absent in committables written before it was recorded: the id alone is checked then. */
  readonly serverStartedAt?: number;
}

/** Prepared (XA) transactions. Ids are plain strings the connector derives (job, subtask, index). */
export interface TwoPhaseDialect {
  /**
   * A prepared transaction stays attached to its session while that is open (MariaDB): the
   * writer closes the connection after preparing, so that the committer's session can commit it
   * (once the server has processed the disconnect: until then `commit` says `attached`).
   */
  readonly detachAfterPrepare: boolean;
  /**
   * With {@link detachAfterPrepare}: the server's id of this session, and whether a session has
   * fully ended. MariaDB marks a closed session's prepared transaction committable by others
   * before its storage engine has let go of it; an `XA COMMIT` in between answers success yet
   * commits nothing (the transaction stays prepared, invisible to `XA RECOVER`). The writer
   * therefore hands a committable over only once the preparing session is gone.
   */
  preparingSession?(connection: SqlConnection): Promise<PreparingSession>;
  sessionEnded?(connection: SqlConnection, session: PreparingSession): Promise<boolean>;
  /** Throws TRIB_JDBC_TWO_PHASE_UNAVAILABLE when the server cannot prepare transactions. */
  checkAvailable(connection: SqlConnection): Promise<void>;
  begin(connection: SqlConnection, id: string): Promise<void>;
  prepare(connection: SqlConnection, id: string): Promise<void>;
  /**
   * Commits a prepared transaction. `absent` only when the server has no prepared transaction
   * with that id in any session (a commit must never take a still-attached one for finished).
   */
  commit(connection: SqlConnection, id: string): Promise<PreparedFinish>;
  /** Rolls back a prepared transaction; outcomes as for `commit`. */
  rollback(connection: SqlConnection, id: string): Promise<PreparedFinish>;
  /** Ids of the prepared transactions starting with `prefix` (in this database, on PostgreSQL). */
  listPrepared(connection: SqlConnection, prefix: string): Promise<string[]>;
  /** Aborts a transaction that was begun but not prepared (connection still open). */
  abortOpen(connection: SqlConnection, id: string): Promise<void>;
}

/** Builds the dialect's typed error from a driver error (never includes parameters or passwords). */
export type ErrorFactory = (error: unknown, context: Readonly<Record<string, unknown>>) => TributaryError;

/** A driver error's message without bound values (drivers sometimes echo them). */
export function driverMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}
