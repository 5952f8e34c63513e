import { hasErrorCode, TributaryError, WakeUpLatch } from '@tributary/core';
import type { BinlogClient, BinlogEvent, DdlEvent, RowsEvent } from '../binlog/binlog-client.js';
import {
  type BinlogOffset,
  type BinlogPosition,
  compareBinlogPositions,
  offsetAt,
} from '../binlog/binlog-position.js';
import { changeRecordsOf } from '../binlog/change-records.js';
import { MySqlCdcErrorCodes } from '../mysql-cdc-error-codes.js';
import { BinlogRowConverters } from '../schema/binlog-row-converters.js';
import { parseDdl, type TableChange } from '../schema/ddl-statement.js';
import type { SchemaCache } from '../schema/schema-cache.js';
import { ChunkIndex } from '../snapshot/chunk-index.js';
import type { CdcElement } from './cdc-element.js';
import type { BinlogSplit } from './mysql-cdc-split.js';
import { schemaChangeEvent } from './schema-change-event.js';

/** What the stream needs besides the split. */
export interface BinlogSplitStreamContext {
  readonly client: BinlogClient;
  readonly serverId: number;
  readonly schemas: SchemaCache;
  readonly captured: (db: string, table: string) => boolean;
  /** Databases captured tables may be in: statements run there must be readable (default: all). */
  readonly capturedDatabase?: (db: string) => boolean;
  readonly chunkKeyColumns: Readonly<Record<string, string>>;
  readonly batchSize: number;
  /** Row changes buffered before the binlog connection is paused (default: unbounded). */
  readonly queueLimit?: number;
  readonly heartbeatIntervalMs?: number;
  /** Emit a schema-change event for each DDL statement of a captured table. */
  readonly includeSchemaChanges?: boolean;
  /** A statement the DDL tracker cannot read: fail (default) or skip it. */
  readonly unknownDdl?: 'fail' | 'skip';
}

/**
 * Reads the binlog split: events arrive from the client into a queue; `next()` turns up to a
 * batch of them into elements, dropping changes of other tables, those before `notBeforeMs`,
 * those a chunk already holds (see {@link ChunkIndex}) and, in the transaction the split
 * resumes in, the rows events and rows emitted before the checkpoint. The queue is bounded:
 * past `queueLimit` row changes the client is paused until `next()` drained half of them.
 * Commits (of any table, whether anything was emitted) and heartbeats move the offset, so
 * skipped events and an idle captured table do not hold the saved position back.
 */
export class BinlogSplitStream {
  private readonly queue: BinlogEvent[] = [];
  private readonly latch = new WakeUpLatch();
  private readonly index: ChunkIndex;
  private readonly converters: BinlogRowConverters;
  private error: Error | undefined;
  /** A DDL statement the tracker could not read: the stream ends there. */
  private ddlError: Error | undefined;
  private started = false;
  private resume: BinlogOffset | undefined;
  /** The last transaction boundary handed out. */
  private boundary: BinlogPosition;
  private queued = 0;
  private paused = false;
  private readonly knownTables: Set<string> | undefined;
  /** Most row changes ever queued at once (for tests and metrics). */
  maxQueued = 0;

  constructor(
    readonly split: BinlogSplit,
    private readonly ctx: BinlogSplitStreamContext,
  ) {
    this.index = new ChunkIndex(split.chunks);
    this.converters = new BinlogRowConverters(ctx.schemas);
    this.knownTables = split.tables === undefined ? undefined : new Set(split.tables);
    const { offset } = split;
    this.resume = offset.eventsToSkip > 0 || offset.rowsToSkip > 0 ? offset : undefined;
    this.boundary = offset;
  }

  /** Row changes waiting in the queue. */
  get queuedRows(): number {
    return this.queued;
  }

  /** The next elements (possibly none after a wake-up). A purged start position becomes a `purged` element when `purgedAsElement`. */
  async next(purgedAsElement: boolean): Promise<CdcElement[]> {
    if (this.ddlError !== undefined) throw this.ddlError;
    if (!this.started) await this.start();
    if (this.queue.length === 0 && this.error === undefined) await this.latch.sleep(1000);
    if (this.queue.length === 0 && this.error !== undefined) {
      if (purgedAsElement && hasErrorCode(this.error, MySqlCdcErrorCodes.BINLOG_PURGED))
        return [{ kind: 'purged' }];
      throw this.error;
    }
    const events = this.queue.splice(0, this.ctx.batchSize);
    for (const event of events) this.queued -= weightOf(event);
    if (this.paused && this.queued <= (this.ctx.queueLimit ?? 0) / 2) {
      this.paused = false;
      this.ctx.client.resume();
    }
    const elements: CdcElement[] = [];
    for (const event of events) {
      if (event.type === 'rows') await this.rows(event, elements);
      else if (event.type === 'commit') this.moveTo(event.next, elements);
      else if (event.type === 'heartbeat') {
        if (compareBinlogPositions(event.next, this.boundary) > 0) this.moveTo(event.next, elements);
      } else if (event.type === 'ddl') {
        const error = this.ddl(event, elements);
        if (error !== undefined) {
          // Hand out what came before the statement; fail on the next call.
          this.ddlError = error;
          this.queue.length = 0;
          this.queued = 0;
          break;
        }
      }
    }
    return elements;
  }

  wakeUp(): void {
    this.latch.wakeUp();
  }

  close(): Promise<void> {
    return this.ctx.client.close();
  }

  private async start(): Promise<void> {
    this.started = true;
    try {
      await this.ctx.client.start(
        {
          start: this.split.offset,
          serverId: this.ctx.serverId,
          ...(this.ctx.heartbeatIntervalMs === undefined
            ? {}
            : { heartbeatIntervalMs: this.ctx.heartbeatIntervalMs }),
        },
        {
          onEvent: (event) => this.enqueue(event),
          onError: (error) => {
            this.error ??= error;
            this.latch.wakeUp();
          },
        },
      );
    } catch (error) {
      this.error = error as Error;
    }
  }

  private enqueue(event: BinlogEvent): void {
    if (this.ddlError !== undefined) return;
    this.queue.push(event);
    this.queued += weightOf(event);
    if (this.queued > this.maxQueued) this.maxQueued = this.queued;
    const limit = this.ctx.queueLimit;
    if (limit !== undefined && !this.paused && this.queued >= limit) {
      this.paused = true;
      this.ctx.client.pause();
    }
    if (this.queue.length === 1) this.latch.wakeUp();
  }

  /**
   * Moves the offset to a transaction boundary the stream passed (a commit, or a heartbeat between
   * transactions), whether or not the transaction emitted anything: a binlog full of other tables'
   * changes or filtered rows is not read again after a restore. Only boundaries: inside a
   * transaction the offset stays at its start. Consecutive moves in one batch collapse into the
   * last, so skipped transactions cost the reader one element per batch, not one each.
   */
  private moveTo(next: BinlogPosition, out: CdcElement[]): void {
    this.resume = undefined;
    this.boundary = next;
    const element: CdcElement = { kind: 'change', records: [], offset: offsetAt(next) };
    const last = out[out.length - 1];
    if (last?.kind === 'change' && last.records.length === 0 && last.addTables === undefined)
      out[out.length - 1] = element;
    else out.push(element);
  }

  /**
   * Classifies a DDL statement: a schema-change event for captured tables (when asked for), an
   * error for a statement the tracker cannot read. Rows after it need nothing: they carry the
   * columns of their own table map.
   */
  private ddl(event: DdlEvent, out: CdcElement[]): Error | undefined {
    this.ctx.schemas.invalidate(event.db);
    const statement = parseDdl(event.sql, event.db);
    if (statement.kind === 'unknown') {
      if (this.ctx.unknownDdl === 'skip' || this.ctx.capturedDatabase?.(event.db) === false) return undefined;
      return new TributaryError(
        MySqlCdcErrorCodes.UNSUPPORTED_DDL,
        `The DDL tracker cannot read the statement at ${event.position.file}:${event.position.pos} (database ${event.db || '(none)'}): ${event.sql}. Fix: if it changes no captured table, set unknownDdl: 'skip'; otherwise report it.`,
        { context: { db: event.db, file: event.position.file, pos: event.position.pos } },
      );
    }
    if (statement.kind !== 'tables') return undefined;
    const { captured } = this.ctx;
    const changes = statement.changes.filter(
      (c) =>
        captured(c.db, c.table) || (c.previous !== undefined && captured(c.previous.db, c.previous.table)),
    );
    if (changes.length === 0) return undefined;
    const addTables = this.newlyCreated(changes);
    const records =
      this.ctx.includeSchemaChanges === true ? [schemaChangeEvent(event, changes, this.ctx.serverId)] : [];
    if (records.length === 0 && addTables.length === 0) return undefined;
    this.boundary = event.next;
    out.push({
      kind: 'change',
      records,
      offset: offsetAt(event.next),
      ...(addTables.length === 0 ? {} : { addTables }),
    });
    return undefined;
  }

  /**
   * Captured tables that came into existence empty here (CREATE) or under a new name (RENAME of a
   * captured table), which the split did not know yet. A RENAME that brings an uncaptured table
   * with rows under the patterns stays unknown: the next restore snapshots it.
   */
  private newlyCreated(changes: readonly TableChange[]): string[] {
    const known = this.knownTables;
    if (known === undefined) return [];
    const added: string[] = [];
    for (const change of changes) {
      const key = `${change.db}.${change.table}`;
      const previous = change.previous;
      const capturedBefore = previous !== undefined && known.has(`${previous.db}.${previous.table}`);
      if (change.type !== 'CREATE' && !(change.type === 'RENAME' && capturedBefore)) continue;
      if (known.has(key) || !this.ctx.captured(change.db, change.table)) continue;
      known.add(key);
      added.push(key);
    }
    return added;
  }

  private async rows(event: RowsEvent, out: CdcElement[]): Promise<void> {
    if (!this.ctx.captured(event.db, event.table)) return;
    if (this.split.notBeforeMs !== undefined && event.timestampMs < this.split.notBeforeMs) return;
    let firstRow = 0;
    const resume = this.resume;
    if (resume !== undefined && resume.file === event.position.file && resume.pos === event.position.pos) {
      if (event.eventIndex < resume.eventsToSkip) return;
      if (event.eventIndex === resume.eventsToSkip) firstRow = resume.rowsToSkip;
    }
    const converter = await this.converters.of(event);
    if (converter === undefined) return;
    const schema = converter.schema;
    const chunkKey = this.ctx.chunkKeyColumns[`${event.db}.${event.table}`];
    const keyColumns =
      schema.primaryKey.length > 0
        ? schema.primaryKey
        : chunkKey !== undefined
          ? [chunkKey]
          : schema.columns.map((c) => c.name);
    for (let i = firstRow; i < event.rows.length; i++) {
      const records = changeRecordsOf(event, i, converter, keyColumns).filter(
        (r) =>
          !this.index.covers(
            event.db,
            event.table,
            (r.op === 'd' ? r.before : r.after) ?? {},
            event.position,
          ),
      );
      if (records.length === 0) continue;
      out.push({
        kind: 'change',
        records,
        offset: {
          file: event.position.file,
          pos: event.position.pos,
          ...(event.gtid === undefined ? {} : { gtid: event.gtid }),
          eventsToSkip: event.eventIndex,
          rowsToSkip: i + 1,
        },
      });
    }
  }
}

/** Queue weight of an event: its row changes (at least 1). */
function weightOf(event: BinlogEvent): number {
  return event.type === 'rows' ? Math.max(1, event.rows.length) : 1;
}
