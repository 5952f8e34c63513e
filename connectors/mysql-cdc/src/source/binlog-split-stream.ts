import { hasErrorCode, WakeUpLatch } from '@tributary/core';
import type { BinlogClient, BinlogEvent, RowsEvent } from '../binlog/binlog-client.js';
import { type BinlogOffset, offsetAt } from '../binlog/binlog-position.js';
import { changeRecordsOf } from '../binlog/change-records.js';
import { MySqlCdcErrorCodes } from '../mysql-cdc-error-codes.js';
import type { SchemaCache } from '../schema/schema-cache.js';
import { ChunkIndex } from '../snapshot/chunk-index.js';
import type { CdcElement } from './cdc-element.js';
import type { BinlogSplit } from './mysql-cdc-split.js';

/** What the stream needs besides the split. */
export interface BinlogSplitStreamContext {
  readonly client: BinlogClient;
  readonly serverId: number;
  readonly schemas: SchemaCache;
  readonly captured: (db: string, table: string) => boolean;
  readonly chunkKeyColumns: Readonly<Record<string, string>>;
  readonly batchSize: number;
}

/**
 * Reads the binlog split: events arrive from the client into a queue; `next()` turns up to a
 * batch of them into elements, dropping changes of other tables, those before `notBeforeMs`,
 * those a chunk already holds (see {@link ChunkIndex}) and, in the transaction the split
 * resumes in, the rows events and rows emitted before the checkpoint.
 */
export class BinlogSplitStream {
  private readonly queue: BinlogEvent[] = [];
  private readonly latch = new WakeUpLatch();
  private readonly index: ChunkIndex;
  private error: Error | undefined;
  private started = false;
  private resume: BinlogOffset | undefined;

  constructor(
    readonly split: BinlogSplit,
    private readonly ctx: BinlogSplitStreamContext,
  ) {
    this.index = new ChunkIndex(split.chunks);
    const { offset } = split;
    this.resume = offset.eventsToSkip > 0 || offset.rowsToSkip > 0 ? offset : undefined;
  }

  /** The next elements (possibly none after a wake-up). A purged start position becomes a `purged` element when `purgedAsElement`. */
  async next(purgedAsElement: boolean): Promise<CdcElement[]> {
    if (!this.started) {
      this.started = true;
      try {
        await this.ctx.client.start(
          { start: this.split.offset, serverId: this.ctx.serverId },
          {
            onEvent: (event) => {
              this.queue.push(event);
              if (this.queue.length === 1) this.latch.wakeUp();
            },
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
    if (this.queue.length === 0 && this.error === undefined) await this.latch.sleep(1000);
    if (this.queue.length === 0 && this.error !== undefined) {
      if (purgedAsElement && hasErrorCode(this.error, MySqlCdcErrorCodes.BINLOG_PURGED))
        return [{ kind: 'purged' }];
      throw this.error;
    }
    const events = this.queue.splice(0, this.ctx.batchSize);
    const elements: CdcElement[] = [];
    for (const event of events) {
      if (event.type === 'rows') await this.rows(event, elements);
      else if (event.type === 'commit') {
        this.resume = undefined;
        elements.push({ kind: 'change', records: [], offset: offsetAt(event.next) });
      } else if (event.type === 'ddl') this.ctx.schemas.invalidate(event.db);
    }
    return elements;
  }

  wakeUp(): void {
    this.latch.wakeUp();
  }

  close(): Promise<void> {
    return this.ctx.client.close();
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
    const converter = await this.ctx.schemas.converter(event.db, event.table);
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
