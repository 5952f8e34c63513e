import type { ChangeRecord, ChangeSource } from '@tributary/core';
import type { DdlEvent } from '../binlog/binlog-client.js';
import type { TableChange } from '../schema/ddl-statement.js';
import type { Row } from '../schema/value-converter.js';

/**
 * A DDL statement that changed captured tables, emitted in binlog order with the option
 * `includeSchemaChanges` — Debezium's schema change event (`databaseName`, `ddl`,
 * `tableChanges`), without column definitions: rows carry their own columns, decoded with the
 * table map they were written under. `TRUNCATE` is a table change here (Debezium's `t` op).
 */
export interface SchemaChangeEvent {
  readonly kind: 'schema-change';
  readonly source: ChangeSource;
  readonly databaseName: string;
  readonly ddl: string;
  readonly tableChanges: readonly TableChange[];
  /** When the connector handled it, in epoch milliseconds. */
  readonly tsMs: number;
}

/** What the source emits: row changes, and schema changes when asked for. */
export type CdcRecord = ChangeRecord<Row> | SchemaChangeEvent;

export function isSchemaChangeEvent(record: unknown): record is SchemaChangeEvent {
  return (record as SchemaChangeEvent | undefined)?.kind === 'schema-change';
}

export function schemaChangeEvent(
  event: DdlEvent,
  changes: readonly TableChange[],
  serverId: number,
): SchemaChangeEvent {
  const first = changes[0];
  return {
    kind: 'schema-change',
    source: {
      file: event.position.file,
      pos: event.position.pos,
      serverId,
      tsMs: event.timestampMs,
      db: first?.db ?? event.db,
      ...(first === undefined ? {} : { table: first.table }),
    },
    databaseName: event.db,
    ddl: event.sql,
    tableChanges: changes,
    tsMs: Date.now(),
  };
}
