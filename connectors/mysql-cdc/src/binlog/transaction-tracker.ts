import type { ColumnSchema } from '../schema/table-schema.js';
import type { BinlogEvent } from './binlog-client.js';
import type { BinlogPosition } from './binlog-position.js';

/** The parts of a decoded binlog event the tracker needs (what zongji hands out). */
export interface DecodedEvent {
  readonly name: string;
  /** End position of the event in its file (0 on artificial events). */
  readonly nextPosition: number;
  /** Length of the whole event (header, body, checksum). */
  readonly length: number;
  readonly timestampMs: number;
  readonly serverId: number;
  readonly gtid?: string | undefined;
  /** Rotate: the file and position the stream continues at; heartbeat: the server's current file. */
  readonly binlogName?: string;
  readonly rotatePosition?: number;
  /** Query events. */
  readonly query?: string;
  readonly schema?: string;
  /** Rows events. */
  readonly db?: string;
  readonly table?: string;
  readonly rows?: readonly unknown[];
  readonly columns?: readonly ColumnSchema[] | undefined;
  readonly primaryKey?: readonly string[] | undefined;
}

/**
 * Turns decoded events into transaction-shaped {@link BinlogEvent}s: it follows the current file
 * (rotate events), takes the start of each event group from the group's first event (its end
 * position minus its length, so skipped events never shift it) and numbers the rows events of
 * each group, which is what an exact mid-transaction resume needs.
 */
export class TransactionTracker {
  private file: string;
  private inGroup = false;
  private groupStart: BinlogPosition | undefined;
  private groupGtid: string | undefined;
  private eventIndex = 0;

  constructor(start: BinlogPosition) {
    this.file = start.file;
  }

  /** The events `event` stands for (none for bookkeeping-only events). */
  track(event: DecodedEvent): BinlogEvent[] {
    switch (event.name) {
      case 'rotate':
        return this.rotate(event);
      case 'gtid':
      case 'mariadbgtid':
      case 'anonymousgtid':
        return [this.open(event)];
      case 'xid':
        return this.close(event);
      case 'heartbeat':
        return this.heartbeat(event);
      case 'query':
        return this.query(event);
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        return [this.rows(event)];
      default:
        return [];
    }
  }

  private startOf(event: DecodedEvent): BinlogPosition {
    return { file: this.file, pos: event.nextPosition - event.length };
  }

  private endOf(event: DecodedEvent): BinlogPosition {
    return { file: this.file, pos: event.nextPosition };
  }

  private open(event: DecodedEvent): BinlogEvent {
    this.inGroup = true;
    this.groupStart = this.startOf(event);
    this.groupGtid = event.gtid;
    this.eventIndex = 0;
    return {
      type: 'begin',
      position: this.groupStart,
      gtid: event.gtid,
      timestampMs: event.timestampMs,
      serverId: event.serverId,
    };
  }

  private close(event: DecodedEvent): BinlogEvent[] {
    this.inGroup = false;
    return [{ type: 'commit', next: this.endOf(event) }];
  }

  /**
   * Follows the file. A real rotate (the server closed the file; the artificial one at the start
   * of a dump has no end position) is written between transactions: the start of the next file is
   * a boundary, so the position reaches a new file without waiting for a commit in it.
   */
  private rotate(event: DecodedEvent): BinlogEvent[] {
    if (event.binlogName === undefined) return [];
    this.file = event.binlogName;
    if (this.inGroup || event.nextPosition <= 0 || event.rotatePosition === undefined) return [];
    return [{ type: 'heartbeat', next: { file: event.binlogName, pos: event.rotatePosition } }];
  }

  /** A heartbeat between transactions is a position the stream may resume at; inside one it is not. */
  private heartbeat(event: DecodedEvent): BinlogEvent[] {
    if (this.inGroup || event.nextPosition < 4) return [];
    return [{ type: 'heartbeat', next: { file: event.binlogName || this.file, pos: event.nextPosition } }];
  }

  private query(event: DecodedEvent): BinlogEvent[] {
    const sql = (event.query ?? '').trim();
    const upper = sql.slice(0, 8).toUpperCase();
    if (upper === 'BEGIN') {
      // MySQL without GTIDs: BEGIN opens the group; after a GTID event it is part of it.
      return this.inGroup ? [] : [this.open(event)];
    }
    if (upper === 'COMMIT') return this.close(event);
    // Anything else is a standalone statement (DDL): its own group.
    const position = this.inGroup && this.groupStart !== undefined ? this.groupStart : this.startOf(event);
    this.inGroup = false;
    const next = this.endOf(event);
    return [
      { type: 'ddl', db: event.schema ?? '', sql, position, next, timestampMs: event.timestampMs },
      { type: 'commit', next },
    ];
  }

  private rows(event: DecodedEvent): BinlogEvent {
    if (!this.inGroup || this.groupStart === undefined) this.open(event);
    const kind = event.name === 'writerows' ? 'insert' : event.name === 'updaterows' ? 'update' : 'delete';
    const rows = (event.rows ?? []).map((row) =>
      kind === 'update'
        ? (row as { before: Record<string, unknown>; after: Record<string, unknown> })
        : kind === 'insert'
          ? { after: row as Record<string, unknown> }
          : { before: row as Record<string, unknown> },
    );
    return {
      type: 'rows',
      kind,
      db: event.db ?? '',
      table: event.table ?? '',
      rows,
      ...(event.columns === undefined ? {} : { columns: event.columns }),
      ...(event.primaryKey === undefined ? {} : { primaryKey: event.primaryKey }),
      position: this.groupStart as BinlogPosition,
      eventIndex: this.eventIndex++,
      gtid: this.groupGtid,
      timestampMs: event.timestampMs,
      serverId: event.serverId,
    };
  }
}
