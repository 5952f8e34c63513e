import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import type {
  BinlogClient,
  BinlogEvent,
  BinlogListener,
  BinlogStreamOptions,
  RowsEvent,
} from '../binlog/binlog-client.js';
import { MySqlCdcErrorCodes } from '../mysql-cdc-error-codes.js';
import { SchemaCache } from '../schema/schema-cache.js';
import { BinlogSplitStream, type BinlogSplitStreamContext } from './binlog-split-stream.js';
import type { CdcElement } from './cdc-element.js';
import type { FinishedChunk } from './mysql-cdc-split.js';
import { isSchemaChangeEvent } from './schema-change-event.js';

/** Delivers scripted events as fast as it is allowed to: synchronously, until paused. */
class ScriptedClient implements BinlogClient {
  private listener: BinlogListener | undefined;
  private paused = false;
  pauses = 0;

  constructor(private readonly events: BinlogEvent[]) {}

  async start(_options: BinlogStreamOptions, listener: BinlogListener): Promise<void> {
    this.listener = listener;
    this.pump();
  }

  pause(): void {
    if (!this.paused) this.pauses++;
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    queueMicrotask(() => this.pump());
  }

  async close(): Promise<void> {}

  private pump(): void {
    while (!this.paused && this.events.length > 0) this.listener?.onEvent(this.events.shift() as BinlogEvent);
  }
}

const file = 'bin.000001';
const noCatalog = new SchemaCache(async () => {
  throw new Error('unit tests have no catalog');
});

function transaction(pos: number, ids: number[], extra: Partial<RowsEvent> = {}): BinlogEvent[] {
  const position = { file, pos };
  return [
    { type: 'begin', position, gtid: undefined, timestampMs: 1, serverId: 1 },
    {
      type: 'rows',
      kind: 'insert',
      db: 'd',
      table: 't',
      rows: ids.map((id) => ({ after: { id, a: String(id * 10) } })),
      columns: [
        { name: 'id', dataType: 'int', columnType: 'int(11)' },
        { name: 'a', dataType: 'bigint', columnType: 'bigint(20)' },
      ],
      primaryKey: ['id'],
      position,
      eventIndex: 0,
      gtid: undefined,
      timestampMs: 1,
      serverId: 1,
      ...extra,
    },
    { type: 'commit', next: { file, pos: pos + 100 } },
  ];
}

function stream(
  events: BinlogEvent[],
  { chunks = [], ...ctx }: Partial<BinlogSplitStreamContext> & { chunks?: FinishedChunk[] } = {},
) {
  const client = new ScriptedClient(events);
  const split = {
    kind: 'binlog' as const,
    splitId: 'binlog',
    offset: { file, pos: 4, eventsToSkip: 0, rowsToSkip: 0 },
    chunks,
  };
  const s = new BinlogSplitStream(split, {
    client,
    serverId: 7,
    schemas: noCatalog,
    captured: (db, table) => db === 'd' && table === 't',
    chunkKeyColumns: {},
    batchSize: 10,
    ...ctx,
  });
  return { client, stream: s };
}

const rowIdsOf = (element: CdcElement) => rowIds([element]);

const rowIds = (elements: CdcElement[]) =>
  elements.flatMap((e) =>
    e.kind === 'change'
      ? e.records.flatMap((r) => (isSchemaChangeEvent(r) ? [] : [(r.after as { id: number }).id]))
      : [],
  );

describe('BinlogSplitStream', () => {
  it('bounds its queue: the client is paused at the limit and resumed once half is drained', async () => {
    const events = Array.from({ length: 500 }, (_, i) =>
      transaction(1000 + i * 100, [3 * i, 3 * i + 1, 3 * i + 2]),
    ).flat();
    const { client, stream: s } = stream(events, { queueLimit: 64 });
    const ids: number[] = [];
    while (ids.length < 1500) ids.push(...rowIds(await s.next(false)));
    expect(ids).toEqual(Array.from({ length: 1500 }, (_, i) => i));
    // At most one event beyond the limit (the one that reached it).
    expect(s.maxQueued).toBeLessThanOrEqual(64 + 3);
    expect(client.pauses).toBeGreaterThan(5);
  });

  it('types rows by the columns of their own table map', async () => {
    const { stream: s } = stream([
      ...transaction(1000, [1]),
      ...transaction(2000, [2], {
        rows: [{ after: { id: 2, label: 'x' } }],
        columns: [
          { name: 'id', dataType: 'int', columnType: 'int(11)' },
          { name: 'label', dataType: 'varchar', columnType: 'varchar(10)' },
        ],
      }),
    ]);
    const records = (await s.next(false)).flatMap((e) => (e.kind === 'change' ? e.records : []));
    expect(records.map((r) => (isSchemaChangeEvent(r) ? r : r.after))).toEqual([
      { id: 1, a: 10n },
      { id: 2, label: 'x' },
    ]);
  });

  it('moves the offset on commits of other tables and on heartbeats ahead of it', async () => {
    const other = transaction(1000, [1], { table: 'other' });
    const { stream: s } = stream([
      ...other,
      { type: 'heartbeat', next: { file: 'bin.000002', pos: 300 } },
      { type: 'heartbeat', next: { file: 'bin.000002', pos: 200 } },
    ]);
    // One batch: the commit's move and the heartbeat's collapse into the last; the older heartbeat is ignored.
    const elements = await s.next(false);
    expect(elements).toEqual([
      {
        kind: 'change',
        records: [],
        offset: { file: 'bin.000002', pos: 300, eventsToSkip: 0, rowsToSkip: 0 },
      },
    ]);
  });

  it('advances the offset over skipped transactions at their commits, never inside one', async () => {
    const other = { table: 'other' };
    const rowsOf = (pos: number, eventIndex: number): BinlogEvent => ({
      ...(transaction(pos, [eventIndex], { ...other, eventIndex })[1] as RowsEvent),
    });
    const begin = (pos: number): BinlogEvent => transaction(pos, [])[0] as BinlogEvent;
    const commit = (pos: number): BinlogEvent => ({ type: 'commit', next: { file, pos } });
    const { stream: s } = stream(
      [
        // A large transaction of an uncaptured table, longer than a batch.
        begin(1000),
        rowsOf(1000, 0),
        rowsOf(1000, 1),
        rowsOf(1000, 2),
        rowsOf(1000, 3),
        commit(1100),
        // A transaction of the captured table whose rows a chunk already holds (filtered).
        ...transaction(1100, [1]),
        // Three small skipped transactions and a captured row after them.
        ...transaction(1200, [2], other),
        ...transaction(1300, [3], other),
        ...transaction(1400, [4], other),
        ...transaction(1500, [5]),
      ],
      {
        batchSize: 3,
        chunks: [{ db: 'd', table: 't', chunkKey: 'id', end: '2', highWatermark: { file, pos: 1150 } }],
      },
    );
    const offsets = (elements: CdcElement[]) =>
      elements.map((e) => (e.kind === 'change' ? [e.offset.pos, e.records.length] : e.kind));
    // Inside the transaction nothing moves; its commit does.
    expect(offsets(await s.next(false))).toEqual([]);
    expect(offsets(await s.next(false))).toEqual([[1100, 0]]);
    // The filtered transaction: its commit moves the offset.
    expect(offsets(await s.next(false))).toEqual([[1200, 0]]);
    // Batches of 3 events, one skipped transaction each: its commit moves the offset.
    expect(offsets(await s.next(false))).toEqual([[1300, 0]]);
    expect(offsets(await s.next(false))).toEqual([[1400, 0]]);
    expect(offsets(await s.next(false))).toEqual([[1500, 0]]);
    const last = await s.next(false);
    expect(rowIds(last)).toEqual([5]);
    expect(offsets(last)).toEqual([
      [1500, 1],
      [1600, 0],
    ]);
  });

  it('collapses the moves of consecutive skipped transactions in one batch into the last', async () => {
    const other = { table: 'other' };
    const { stream: s } = stream(
      [
        ...transaction(1000, [1], other),
        ...transaction(1100, [2], other),
        ...transaction(1200, [3]),
        ...transaction(1300, [4], other),
      ],
      { batchSize: 100 },
    );
    const elements = await s.next(false);
    expect(elements.map((e) => (e.kind === 'change' ? [e.offset, rowIdsOf(e)] : e.kind))).toEqual([
      [{ file, pos: 1200, eventsToSkip: 0, rowsToSkip: 0 }, []],
      [{ file, pos: 1200, eventsToSkip: 0, rowsToSkip: 1 }, [3]],
      [{ file, pos: 1400, eventsToSkip: 0, rowsToSkip: 0 }, []],
    ]);
  });

  const ddl = (sql: string, pos: number): BinlogEvent[] => [
    { type: 'ddl', db: 'd', sql, position: { file, pos }, next: { file, pos: pos + 50 }, timestampMs: 5 },
    { type: 'commit', next: { file, pos: pos + 50 } },
  ];

  it('emits schema-change events for captured tables only, when asked to', async () => {
    const { stream: s } = stream(
      [...ddl('ALTER TABLE t ADD COLUMN c INT', 500), ...ddl('CREATE TABLE other (id INT)', 600)],
      { includeSchemaChanges: true },
    );
    const records = (await s.next(false)).flatMap((e) => (e.kind === 'change' ? e.records : []));
    expect(records).toEqual([
      {
        kind: 'schema-change',
        source: { file, pos: 500, serverId: 7, tsMs: 5, db: 'd', table: 't' },
        databaseName: 'd',
        ddl: 'ALTER TABLE t ADD COLUMN c INT',
        tableChanges: [{ type: 'ALTER', db: 'd', table: 't' }],
        tsMs: expect.any(Number),
      },
    ]);
  });

  it('fails on a statement the DDL tracker cannot read, naming it, after what came before', async () => {
    const { stream: s } = stream([...transaction(1000, [1]), ...ddl('ALTER WIDGET w SET x', 2000)]);
    expect(rowIds(await s.next(false))).toEqual([1]);
    const error = await s.next(false).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, MySqlCdcErrorCodes.UNSUPPORTED_DDL)).toBe(true);
    expect(String((error as Error).message)).toContain('ALTER WIDGET w SET x');

    const skipping = stream([...ddl('ALTER WIDGET w SET x', 2000), ...transaction(3000, [2])], {
      unknownDdl: 'skip',
    }).stream;
    expect(rowIds(await skipping.next(false))).toEqual([2]);
  });
});
