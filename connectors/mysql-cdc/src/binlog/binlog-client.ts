import type { ColumnSchema } from '../schema/table-schema.js';
import type { BinlogPosition } from './binlog-position.js';

/** One changed row as the binlog carries it: column → raw decoded value. */
export type RawRow = Record<string, unknown>;

/** A row change of a rows event: `before` for updates/deletes, `after` for inserts/updates. */
export interface RawRowChange {
  readonly before?: RawRow;
  readonly after?: RawRow;
}

/** A transaction (event group) started at `position`. */
export interface BeginEvent {
  readonly type: 'begin';
  readonly position: BinlogPosition;
  /** MariaDB `domain-server-seq` or MySQL `uuid:n` of the transaction. */
  readonly gtid: string | undefined;
  readonly timestampMs: number;
  readonly serverId: number;
}

/** One rows event (insert, update or delete of one or more rows of one table). */
export interface RowsEvent {
  readonly type: 'rows';
  readonly kind: 'insert' | 'update' | 'delete';
  readonly db: string;
  readonly table: string;
  readonly rows: readonly RawRowChange[];
  /**
   * The table's columns as the binlog's table map describes them when the rows were written
   * (with `binlog_row_metadata = FULL`); from the catalog otherwise. Rows are typed by these, so
   * rows written before an ALTER keep their own columns when read after it.
   */
  readonly columns?: readonly ColumnSchema[];
  /** Primary-key columns from the table map (FULL metadata); undefined when it carries none. */
  readonly primaryKey?: readonly string[];
  /** Start of the transaction holding the event. */
  readonly position: BinlogPosition;
  /** 0-based index of this rows event within its transaction (over all tables). */
  readonly eventIndex: number;
  readonly gtid: string | undefined;
  readonly timestampMs: number;
  readonly serverId: number;
}

/** A transaction ended; `next` is where the next one starts. */
export interface CommitEvent {
  readonly type: 'commit';
  readonly next: BinlogPosition;
}

/** A statement other than BEGIN/COMMIT (DDL): it forms its own event group. */
export interface DdlEvent {
  readonly type: 'ddl';
  readonly db: string;
  readonly sql: string;
  readonly position: BinlogPosition;
  readonly next: BinlogPosition;
  readonly timestampMs: number;
}

/**
 * The server's heartbeat on an idle stream (or after events it skipped), or a rotate to the next
 * file, between transactions: `next` is a transaction boundary the stream has passed, so the
 * saved position may move there even when no captured table changed.
 */
export interface HeartbeatEvent {
  readonly type: 'heartbeat';
  readonly next: BinlogPosition;
}

/** What a {@link BinlogClient} delivers, in binlog order. */
export type BinlogEvent = BeginEvent | RowsEvent | CommitEvent | DdlEvent | HeartbeatEvent;

/** Receives a binlog stream. Called in order; an error ends the stream. */
export interface BinlogListener {
  onEvent(event: BinlogEvent): void;
  onError(error: Error): void;
}

/** Where and as whom to stream from. */
export interface BinlogStreamOptions {
  /** A transaction boundary to start at. */
  readonly start: BinlogPosition;
  /** Unique among all replicas of the server (the server drops an older connection with the same id). */
  readonly serverId: number;
  /** Asks the server for a heartbeat after this long without events (0 or absent: none). */
  readonly heartbeatIntervalMs?: number;
}

/**
 * The connector's own binlog interface: row changes with their transaction's start position,
 * checksums verified, temporal values as strings with microseconds. `ZongJiBinlogClient`
 * implements it on `@vlasky/zongji`; another decoder can replace it without touching the rest.
 */
export interface BinlogClient {
  start(options: BinlogStreamOptions, listener: BinlogListener): Promise<void>;
  /**
   * Stops reading from the server (the socket is paused, so TCP flow control holds the server
   * back) until {@link resume}; events already received may still be delivered. Idempotent.
   */
  pause(): void;
  resume(): void;
  /** Stops streaming; idempotent. */
  close(): Promise<void>;
}
