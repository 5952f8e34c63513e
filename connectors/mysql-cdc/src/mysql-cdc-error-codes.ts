/** Stable error codes raised by `@tributary/connector-mysql-cdc`. Classify with `hasErrorCode`. */
export const MySqlCdcErrorCodes = {
  /** The server is not set up for CDC (binlog format, row image, privileges, ...); the message lists every problem and its fix. */
  PREFLIGHT_FAILED: 'TRIB_CDC_PREFLIGHT_FAILED',
  /** The binlog position to resume from was purged by the server; set `onPurged: 're-snapshot'` or snapshot again. */
  BINLOG_PURGED: 'TRIB_CDC_BINLOG_PURGED',
  /** A binlog event failed its CRC32 checksum (network or disk corruption). */
  BINLOG_CHECKSUM: 'TRIB_CDC_BINLOG_CHECKSUM',
  /** The binlog stream failed (connection lost, server error); retriable. */
  BINLOG_FAILED: 'TRIB_CDC_BINLOG_FAILED',
  /** A captured table has no primary key and no `chunkKeyColumns` entry, or the key is unusable. */
  NO_CHUNK_KEY: 'TRIB_CDC_NO_CHUNK_KEY',
  /** A DDL statement of a captured table could not be understood; the message carries the statement. */
  UNSUPPORTED_DDL: 'TRIB_CDC_UNSUPPORTED_DDL',
  /** A snapshot query failed; context names the table and chunk. */
  SNAPSHOT_FAILED: 'TRIB_CDC_SNAPSHOT_FAILED',
  /** A value could not be converted to its typed form; context names table and column. */
  INVALID_VALUE: 'TRIB_CDC_INVALID_VALUE',
} as const;

export type MySqlCdcErrorCode = (typeof MySqlCdcErrorCodes)[keyof typeof MySqlCdcErrorCodes];
