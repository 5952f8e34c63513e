import { TributaryError } from '@tributary/core';
import ZongJi from '@vlasky/zongji';
import type { ConnectionOptions } from 'mysql2';
import { MySqlCdcErrorCodes } from '../mysql-cdc-error-codes.js';
import { columnsOf, type DecoderColumn, primaryKeyOf } from '../schema/binlog-columns.js';
import type { ColumnSchema } from '../schema/table-schema.js';
import type { BinlogClient, BinlogListener, BinlogStreamOptions } from './binlog-client.js';
import { gatePauses, type Pausable } from './socket-gate.js';
import { type DecodedEvent, TransactionTracker } from './transaction-tracker.js';

const EVENTS = [
  'rotate',
  'gtid',
  'mariadbgtid',
  'anonymousgtid',
  'tablemap',
  'writerows',
  'updaterows',
  'deleterows',
  'xid',
  'query',
  'heartbeat',
];

/** How long the server waits on a paused binlog socket before giving up on it (seconds). */
const PAUSED_WRITE_TIMEOUT_S = 3600;

/** Common event header: 19 bytes, plus the 4-byte CRC32 trailer when checksums are on. */
const HEADER_LENGTH = 19;

interface ZongJiEvent {
  getEventName(): string;
  nextPosition: number;
  size: number;
  timestamp: number;
  gtid?: string;
  binlogName?: string;
  position?: number;
  query?: string;
  schema?: string;
  tableId?: number;
  tableMap?: Record<number, TableMapEntry>;
  rows?: unknown[];
  /** Table map events: key column indexes and (FULL metadata) column names. */
  primaryKey?: number[];
  columnNames?: string[];
}

interface TableMapEntry {
  parentSchema: string;
  tableName: string;
  columnSchemas: DecoderColumn[];
}

/** The zongji internals the client reaches: its table cache and its binlog connection. */
interface ZongJiInternals {
  useChecksum: boolean;
  tableMap: Record<number, TableMapEntry>;
  connection: (Pausable & { query(sql: string, callback: (error: Error | null) => void): void }) | null;
}

/** Columns of a table id, mapped once per table map zongji built. */
interface TableColumns {
  readonly source: readonly DecoderColumn[];
  readonly columns: readonly ColumnSchema[];
  readonly primaryKey: readonly string[] | undefined;
}

/**
 * {@link BinlogClient} on `@vlasky/zongji` 0.9.0 (pinned: it relies on mysql2 internals). The
 * connection decodes temporal values as strings (`dateStrings`), so DATETIME(6)/TIME(6)/
 * TIMESTAMP(6) keep their microseconds, and TIMESTAMP in `timeZone`; 64-bit integers and
 * DECIMAL as exact strings. The patched zongji (patches/@vlasky__zongji@0.9.0.patch) verifies
 * every event's CRC32 before decoding it.
 */
export class ZongJiBinlogClient implements BinlogClient {
  private zongji: ZongJi | undefined;
  private closed = false;
  private queueGate: Pausable | undefined;
  private pausedBeforeStart = false;
  private readonly tables = new Map<number, TableColumns>();

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly timeZone: string,
  ) {}

  async start(options: BinlogStreamOptions, listener: BinlogListener): Promise<void> {
    const zongji = new ZongJi({
      ...this.connection,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      timezone: this.timeZone,
    } as ConnectionOptions);
    this.zongji = zongji;
    const internals = zongji as unknown as ZongJiInternals;
    const tracker = new TransactionTracker(options.start);
    const serverId = 0;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed || this.closed) return;
      failed = true;
      listener.onError(binlogError(error, options));
    };
    await new Promise<void>((resolve, reject) => {
      let ready = false;
      zongji.on('ready', () => {
        ready = true;
        resolve();
      });
      zongji.on('error', (error: unknown) => {
        if (!ready) reject(binlogError(error, options));
        else fail(error);
      });
      zongji.on('binlog', (event: unknown) => {
        const raw = event as ZongJiEvent;
        if (failed || this.closed) return;
        try {
          const decoded = this.decode(raw, internals, serverId);
          for (const event of tracker.track(decoded)) listener.onEvent(event);
        } catch (error) {
          fail(error);
        }
      });
      zongji.start({
        filename: options.start.file,
        position: options.start.pos,
        serverId: options.serverId,
        includeEvents: EVENTS,
      });
      // start() created the binlog connection; commands queue behind its handshake, so these
      // run before zongji's own setup and binlog dump.
      const connection = internals.connection;
      if (connection === null) return;
      this.queueGate = gatePauses(connection);
      if (this.pausedBeforeStart) this.queueGate.pause();
      const failOnError = (error: Error | null) => {
        if (error !== null) fail(error);
      };
      // A paused socket blocks the server's dump thread in a write: give it longer than the
      // default minute before it drops the connection (a slow sink then only slows the stream).
      connection.query(`SET SESSION net_write_timeout = ${PAUSED_WRITE_TIMEOUT_S}`, failOnError);
      const heartbeatMs = options.heartbeatIntervalMs ?? 0;
      if (heartbeatMs > 0)
        connection.query(
          `SET @master_heartbeat_period = ${BigInt(Math.round(heartbeatMs)) * 1_000_000n}`,
          failOnError,
        );
    });
  }

  pause(): void {
    this.pausedBeforeStart = true;
    this.queueGate?.pause();
  }

  resume(): void {
    this.pausedBeforeStart = false;
    this.queueGate?.resume();
  }

  /** The tracker's view of a zongji event; rows events carry the columns they were decoded with. */
  private decode(raw: ZongJiEvent, internals: ZongJiInternals, serverId: number): DecodedEvent {
    const decoded = toDecoded(raw, internals.useChecksum, serverId);
    const name = decoded.name;
    if (name === 'tablemap' && raw.tableId !== undefined) {
      const entry = internals.tableMap[raw.tableId];
      if (entry !== undefined)
        this.tables.set(raw.tableId, {
          source: entry.columnSchemas,
          columns: columnsOf(entry.columnSchemas),
          primaryKey: primaryKeyOf(entry.columnSchemas, raw.primaryKey, raw.columnNames !== undefined),
        });
    } else if (name === 'query' && !/^\s*(BEGIN|COMMIT)\b/i.test(raw.query ?? '')) {
      // A DDL may change a table under an id zongji keeps cached: make it fetch columns again.
      for (const id of Object.keys(internals.tableMap)) delete internals.tableMap[Number(id)];
      this.tables.clear();
    } else if (raw.rows !== undefined && raw.tableId !== undefined) {
      const table = this.tables.get(raw.tableId);
      const current = internals.tableMap[raw.tableId]?.columnSchemas;
      if (table !== undefined && table.source === current)
        return {
          ...decoded,
          columns: table.columns,
          ...(table.primaryKey === undefined ? {} : { primaryKey: table.primaryKey }),
        };
    }
    return decoded;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const zongji = this.zongji;
    this.zongji = undefined;
    this.queueGate = undefined;
    if (zongji === undefined) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      zongji.once('stopped', () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        zongji.stop();
      } catch {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}

function toDecoded(raw: ZongJiEvent, checksums: boolean, serverId: number): DecodedEvent {
  const name = raw.getEventName();
  const length = raw.size + HEADER_LENGTH + (checksums ? 4 : 0);
  const base = {
    name,
    nextPosition: raw.nextPosition,
    length,
    timestampMs: raw.timestamp,
    serverId,
    gtid: raw.gtid,
  };
  if (name === 'rotate')
    return { ...base, binlogName: raw.binlogName as string, rotatePosition: raw.position as number };
  if (name === 'query') return { ...base, query: raw.query ?? '', schema: raw.schema ?? '' };
  // Heartbeats name the server's current file; past 4 GiB MariaDB sends the position separately.
  if (name === 'heartbeat')
    return { ...base, binlogName: raw.binlogName ?? '', nextPosition: raw.position ?? raw.nextPosition };
  if (name === 'writerows' || name === 'updaterows' || name === 'deleterows') {
    const table = raw.tableMap?.[raw.tableId as number];
    return { ...base, db: table?.parentSchema ?? '', table: table?.tableName ?? '', rows: raw.rows ?? [] };
  }
  return base;
}

/** Server errors of a binlog dump, classified: purged position, checksum, anything else (retriable). */
export function binlogError(error: unknown, options: BinlogStreamOptions): TributaryError {
  if (error instanceof TributaryError) return error;
  const e = error as { code?: string; errno?: number; message?: string };
  const message = e?.message ?? String(error);
  const context = { file: options.start.file, pos: options.start.pos, serverId: options.serverId };
  if (e?.code === 'BINLOG_CHECKSUM_MISMATCH')
    return new TributaryError(MySqlCdcErrorCodes.BINLOG_CHECKSUM, message, { cause: error, context });
  if (e?.errno === 1236 && /purged|could not find|not find first log|binlog truncated/i.test(message))
    return new TributaryError(
      MySqlCdcErrorCodes.BINLOG_PURGED,
      `The binlog position ${options.start.file}:${options.start.pos} is no longer on the server (purged by binlog_expire_logs_seconds / PURGE BINARY LOGS): ${message}. Fix: restart with onPurged: 're-snapshot' (or from a fresh snapshot), and keep binlogs longer than the longest outage.`,
      { cause: error, context },
    );
  return new TributaryError(MySqlCdcErrorCodes.BINLOG_FAILED, `Binlog stream failed: ${message}`, {
    cause: error,
    context,
    retriable: true,
  });
}
