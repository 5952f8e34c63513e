import { describe, expect, it } from 'vitest';
import { type DecodedEvent, TransactionTracker } from './transaction-tracker.js';

const ev = (
  name: string,
  nextPosition: number,
  length: number,
  extra: Partial<DecodedEvent> = {},
): DecodedEvent => ({
  name,
  nextPosition,
  length,
  timestampMs: 1000,
  serverId: 1,
  ...extra,
});

describe('TransactionTracker', () => {
  it('gives every rows event its transaction start and index, and the commit the next start', () => {
    const tracker = new TransactionTracker({ file: 'bin.000001', pos: 4 });
    expect(tracker.track(ev('rotate', 0, 40, { binlogName: 'bin.000002', rotatePosition: 1000 }))).toEqual(
      [],
    );
    const begin = tracker.track(ev('mariadbgtid', 1042, 42, { gtid: '0-1-7' }));
    expect(begin).toMatchObject([
      { type: 'begin', position: { file: 'bin.000002', pos: 1000 }, gtid: '0-1-7' },
    ]);
    expect(tracker.track(ev('tablemap', 1100, 58))).toEqual([]);
    const first = tracker.track(
      ev('writerows', 1200, 100, { db: 'd', table: 't', rows: [{ id: 1 }, { id: 2 }] }),
    );
    const second = tracker.track(
      ev('updaterows', 1300, 100, { db: 'd', table: 't', rows: [{ before: { id: 1 }, after: { id: 3 } }] }),
    );
    const third = tracker.track(ev('deleterows', 1400, 100, { db: 'd', table: 'u', rows: [{ id: 9 }] }));
    expect(first).toMatchObject([
      {
        type: 'rows',
        kind: 'insert',
        eventIndex: 0,
        position: { pos: 1000 },
        rows: [{ after: { id: 1 } }, { after: { id: 2 } }],
      },
    ]);
    expect(second).toMatchObject([
      { kind: 'update', eventIndex: 1, rows: [{ before: { id: 1 }, after: { id: 3 } }] },
    ]);
    expect(third).toMatchObject([
      { kind: 'delete', eventIndex: 2, table: 'u', rows: [{ before: { id: 9 } }], gtid: '0-1-7' },
    ]);
    expect(tracker.track(ev('xid', 1431, 31))).toEqual([
      { type: 'commit', next: { file: 'bin.000002', pos: 1431 } },
    ]);
    // The next group numbers its events from 0 again.
    tracker.track(ev('mariadbgtid', 1473, 42, { gtid: '0-1-8' }));
    expect(tracker.track(ev('writerows', 1600, 100, { rows: [{}] }))).toMatchObject([
      { eventIndex: 0, position: { pos: 1431 } },
    ]);
  });

  it('treats BEGIN/COMMIT queries as group bounds and other statements as DDL groups', () => {
    const tracker = new TransactionTracker({ file: 'bin.000001', pos: 500 });
    expect(tracker.track(ev('query', 580, 80, { query: 'BEGIN' }))).toMatchObject([
      { type: 'begin', position: { pos: 500 } },
    ]);
    expect(tracker.track(ev('query', 650, 70, { query: 'COMMIT' }))).toEqual([
      { type: 'commit', next: { file: 'bin.000001', pos: 650 } },
    ]);
    tracker.track(ev('mariadbgtid', 692, 42, { gtid: '0-1-9' }));
    expect(tracker.track(ev('query', 800, 108, { query: 'ALTER TABLE t ADD c INT', schema: 'd' }))).toEqual([
      {
        type: 'ddl',
        db: 'd',
        sql: 'ALTER TABLE t ADD c INT',
        position: { file: 'bin.000001', pos: 650 },
        next: { file: 'bin.000001', pos: 800 },
        timestampMs: 1000,
      },
      { type: 'commit', next: { file: 'bin.000001', pos: 800 } },
    ]);
  });

  it('turns a real rotate between transactions into a boundary at the new file, not one inside or at dump start', () => {
    const tracker = new TransactionTracker({ file: 'bin.000001', pos: 4 });
    // The artificial rotate at the start of a dump (no end position): only the file.
    expect(tracker.track(ev('rotate', 0, 40, { binlogName: 'bin.000001', rotatePosition: 4 }))).toEqual([]);
    tracker.track(ev('mariadbgtid', 142, 42, { gtid: '0-1-1' }));
    tracker.track(ev('xid', 200, 31));
    expect(tracker.track(ev('rotate', 247, 47, { binlogName: 'bin.000002', rotatePosition: 4 }))).toEqual([
      { type: 'heartbeat', next: { file: 'bin.000002', pos: 4 } },
    ]);
    // Inside a transaction (never written by a server, but never a boundary): only the file.
    tracker.track(ev('mariadbgtid', 300, 42, { gtid: '0-1-2' }));
    expect(tracker.track(ev('rotate', 347, 47, { binlogName: 'bin.000003', rotatePosition: 4 }))).toEqual([]);
    expect(tracker.track(ev('xid', 400, 31))).toEqual([
      { type: 'commit', next: { file: 'bin.000003', pos: 400 } },
    ]);
  });

  it('turns a heartbeat between transactions into a resumable position, and ignores one inside', () => {
    const tracker = new TransactionTracker({ file: 'bin.000001', pos: 4 });
    expect(tracker.track(ev('heartbeat', 900, 0, { binlogName: 'bin.000002' }))).toEqual([
      { type: 'heartbeat', next: { file: 'bin.000002', pos: 900 } },
    ]);
    tracker.track(ev('mariadbgtid', 1042, 42, { gtid: '0-1-7' }));
    expect(tracker.track(ev('heartbeat', 1042, 0, { binlogName: 'bin.000002' }))).toEqual([]);
    tracker.track(ev('xid', 1200, 31));
    expect(tracker.track(ev('heartbeat', 1200, 0, { binlogName: '' }))).toEqual([
      { type: 'heartbeat', next: { file: 'bin.000001', pos: 1200 } },
    ]);
  });

  it('passes the columns and key a rows event was decoded with', () => {
    const tracker = new TransactionTracker({ file: 'bin.000001', pos: 4 });
    const columns = [{ name: 'id', dataType: 'int', columnType: 'int(11)' }];
    expect(
      tracker.track(
        ev('writerows', 200, 100, { db: 'd', table: 't', rows: [{ id: 1 }], columns, primaryKey: ['id'] }),
      ),
    ).toMatchObject([{ type: 'rows', columns, primaryKey: ['id'] }]);
  });
});
