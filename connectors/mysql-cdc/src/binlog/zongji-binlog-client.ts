import { TributaryError } from '@tributary/core';
import ZongJi from '@vlasky/zongji';
import type { ConnectionOptions } from 'mysql2';
import { MySqlCdcErrorCodes } from '../mysql-cdc-error-codes.js';
import type { BinlogClient, BinlogListener, BinlogStreamOptions } from './binlog-client.js';
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
];

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
  tableMap?: Record<number, { parentSchema: string; tableName: string }>;
  rows?: unknown[];
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
          const decoded = toDecoded(
            raw,
            (zongji as unknown as { useChecksum: boolean }).useChecksum,
            serverId,
          );
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
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const zongji = this.zongji;
    this.zongji = undefined;
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
