/**
 * @tributary/connector-mysql-cdc — change data capture of MySQL/MariaDB: lock-free incremental
 * snapshot, then the binlog. Curated named exports only.
 */
export type {
  BinlogClient,
  BinlogEvent,
  BinlogListener,
  BinlogStreamOptions,
  HeartbeatEvent,
} from './binlog/binlog-client.js';
export { type BinlogOffset, type BinlogPosition, compareBinlogPositions } from './binlog/binlog-position.js';
export { ZongJiBinlogClient } from './binlog/zongji-binlog-client.js';
export { type MySqlCdcErrorCode, MySqlCdcErrorCodes } from './mysql-cdc-error-codes.js';
export type { PreflightProblem } from './preflight/server-checks.js';
export type { TableChange } from './schema/ddl-statement.js';
export type { Row } from './schema/value-converter.js';
export { MySqlCdcSource } from './source/mysql-cdc-source.js';
export {
  MySqlCdcSourceOptions,
  type MySqlCdcSourceOptionsInput,
  type ResolvedMySqlCdcSourceOptions,
} from './source/mysql-cdc-source-options.js';
export type { BinlogSplit, FinishedChunk, MySqlCdcSplit, SnapshotSplit } from './source/mysql-cdc-split.js';
export type { MySqlCdcEnumeratorState } from './source/mysql-cdc-split-enumerator.js';
export {
  type CdcRecord,
  isSchemaChangeEvent,
  type SchemaChangeEvent,
} from './source/schema-change-event.js';
export { tributaryPlugin } from './tributary-plugin.js';
