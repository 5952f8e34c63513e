/**
 * One change of a table row — the change-log shape CDC sources emit, the Debezium / Canal formats
 * read and write, and change-log sinks (Kafka upsert, JDBC `input: 'changelog'`) consume. It is
 * Debezium's envelope without its schema: `c` insert, `u` update, `d` delete, `r` a row read by a
 * snapshot. Inserts and reads carry `after`, deletes `before`, updates both when known.
 */
export interface ChangeRecord<Row = Record<string, unknown>> {
  readonly op: 'c' | 'u' | 'd' | 'r';
  readonly before?: Row | null;
  readonly after?: Row | null;
  readonly source?: ChangeSource;
  /** When the producer (connector) handled the change, in epoch milliseconds (Debezium's top-level `ts_ms`). */
  readonly tsMs?: number;
  /** The producer's row schema when the message carried one (Debezium's `schema` with `schemas.enable`). */
  readonly schema?: unknown;
}

/** Where a change happened: binlog position, server, time of the change, database and table. */
export interface ChangeSource {
  readonly file?: string;
  readonly pos?: number | bigint;
  readonly gtid?: string;
  readonly serverId?: number | bigint;
  /** When the change was made in the database, in epoch milliseconds. */
  readonly tsMs?: number;
  readonly db?: string;
  readonly table?: string;
}

/** The operations of a {@link ChangeRecord}. */
export const CHANGE_OPS = ['c', 'u', 'd', 'r'] as const;
