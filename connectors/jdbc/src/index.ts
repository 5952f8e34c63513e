/**
 * @tributary/connector-jdbc — PostgreSQL (`pg`), MySQL/MariaDB (`mysql2`) and SQLite
 * (`better-sqlite3`) sources, sinks, catalog and lookups. Curated named exports only.
 */

/** The change-log input of `input: 'changelog'` (re-exported from `@tributary/core`). */
export type { ChangeRecord } from '@tributary/core';
export { JdbcCatalog, type TableInfo } from './catalog/jdbc-catalog.js';
export { BigDecimal } from './dialect/big-decimal.js';
export type {
  DialectName,
  JdbcConnectionOptions,
  JdbcConnectionOptionsInput,
} from './dialect/connection-options.js';
export type { ColumnInfo, Row } from './dialect/dialect.js';
export { type JdbcErrorCode, JdbcErrorCodes } from './jdbc-error-codes.js';
export {
  type JdbcLookup,
  JdbcLookupOptions,
  type JdbcLookupOptionsInput,
  jdbcLookup,
} from './lookup/jdbc-lookup.js';
export { JdbcSink, type JdbcSinkHandlers } from './sink/jdbc-sink.js';
export {
  JdbcSinkOptions,
  type JdbcSinkOptionsInput,
  type ResolvedJdbcSinkOptions,
} from './sink/jdbc-sink-options.js';
export type { JdbcCommittable } from './sink/jdbc-sink-writer.js';
export { JdbcSource } from './source/jdbc-source.js';
export {
  JdbcSourceOptions,
  type JdbcSourceOptionsInput,
  type ResolvedJdbcSourceOptions,
} from './source/jdbc-source-options.js';
export type { JdbcSplit, KeyValue } from './source/jdbc-source-split.js';
export type { JdbcEnumeratorState } from './source/jdbc-split-enumerator.js';
export { tributaryPlugin } from './tributary-plugin.js';
