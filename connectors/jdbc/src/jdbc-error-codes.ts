/** Stable error codes raised by `@tributary/connector-jdbc`. Classify with `hasErrorCode`. */
export const JdbcErrorCodes = {
  /** The database driver package (`pg`, `mysql2`, `better-sqlite3`) is not installed; the message names it. */
  DRIVER_MISSING: 'TRIB_JDBC_DRIVER_MISSING',
  /** The server refused the credentials. Never carries the password. */
  AUTH_FAILED: 'TRIB_JDBC_AUTH_FAILED',
  /** The server could not be reached, or the connection dropped (retriable). */
  CONNECTION_FAILED: 'TRIB_JDBC_CONNECTION_FAILED',
  /** A table named by the options does not exist; context names it. */
  TABLE_NOT_FOUND: 'TRIB_JDBC_TABLE_NOT_FOUND',
  /** A column named by the options does not exist in the table; context names it. */
  COLUMN_NOT_FOUND: 'TRIB_JDBC_COLUMN_NOT_FOUND',
  /** A row broke a constraint (unique, not null, foreign key, check) or a column's type; context names the row's key. */
  CONSTRAINT_VIOLATION: 'TRIB_JDBC_CONSTRAINT_VIOLATION',
  /** A statement failed for another reason; context names the table and operation. */
  STATEMENT_FAILED: 'TRIB_JDBC_STATEMENT_FAILED',
  /** Exactly-once needs prepared transactions: PostgreSQL `max_prepared_transactions` is 0, or XA is unavailable. */
  TWO_PHASE_UNAVAILABLE: 'TRIB_JDBC_TWO_PHASE_UNAVAILABLE',
  /** A prepared transaction of a completed checkpoint could not be committed (another process rolled it back). */
  COMMIT_FAILED: 'TRIB_JDBC_COMMIT_FAILED',
  /**
   * A prepared transaction is still attached to a session that has not ended (MariaDB lets only
   * that session finish it until it disconnects), so it could not be committed or rolled back
   * yet (retriable); context names the transaction.
   */
  PREPARED_ATTACHED: 'TRIB_JDBC_PREPARED_ATTACHED',
  /** The options do not fit the real table (no key for upsert, partition column not numeric/date, ...). */
  INVALID_TABLE_OPTIONS: 'TRIB_JDBC_INVALID_TABLE_OPTIONS',
  /** The dead-letter handler threw on a rejected row. */
  DEAD_LETTER_FAILED: 'TRIB_JDBC_DEAD_LETTER_FAILED',
  /** The dialect does not support the requested feature (e.g. exactly-once on SQLite). */
  UNSUPPORTED: 'TRIB_JDBC_UNSUPPORTED',
} as const;

export type JdbcErrorCode = (typeof JdbcErrorCodes)[keyof typeof JdbcErrorCodes];
