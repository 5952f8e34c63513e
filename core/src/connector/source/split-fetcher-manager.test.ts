import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasErrorCode, isTributaryError, TributaryError } from '../../errors/tributary-error.js';
import { PerSplitFetcherManager } from './per-split-fetcher-manager.js';
import type { RecordsWithSplitIds } from './records-with-split-ids.js';
import { SingleSplitFetcherManager } from './single-split-fetcher-manager.js';
import { SourceReaderErrorCodes } from './source-reader-error-codes.js';
import type { SplitFetcherManager } from './split-fetcher-manager.js';
import { turns } from './testing-fixtures/event-loop.js';
import { FakeLog, InstrumentedLogSplitReader } from './testing-fixtures/fake-log.js';
import type { LogRecord, LogSplit } from './testing-fixtures/log-connector.js';

type Manager = SplitFetcherManager<LogRecord, LogSplit>;

const managers: Manager[] = [];
afterEach(async () => {
  await Promise.allSettled(managers.splice(0).map((m) => m.close()));
});

function withReaders<M extends Manager>(
  make: (factory: () => InstrumentedLogSplitReader) => M,
  log: FakeLog,
): { manager: M; readers: InstrumentedLogSplitReader[] } {
  const readers: InstrumentedLogSplitReader[] = [];
  const manager = make(() => {
    const reader = new InstrumentedLogSplitReader(log, 5);
    readers.push(reader);
    return reader;
  });
  managers.push(manager);
  return { manager, readers };
}

/** Drains the queue until `done` holds, collecting offsets per split and finished split ids. */
async function collect(manager: Manager, done: (seen: Map<string, number[]>, finished: string[]) => boolean) {
  const seen = new Map<string, number[]>();
  const finished: string[] = [];
  await vi.waitFor(() => {
    for (let batch = manager.queue.poll(); batch; batch = manager.queue.poll()) take(batch, seen, finished);
    expect(done(seen, finished)).toBe(true);
  });
  return { seen, finished };
}

function take(batch: RecordsWithSplitIds<LogRecord>, seen: Map<string, number[]>, finished: string[]) {
  for (const [splitId, records] of batch.recordsBySplit) {
    const list = seen.get(splitId) ?? [];
    for (const r of records) list.push(r.offset);
    seen.set(splitId, list);
  }
  finished.push(...batch.finishedSplits);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('SingleSplitFetcherManager', () => {
  it('multiplexes every split on one fetch loop and one split reader', async () => {
    const log = new FakeLog().createPartition('a', { available: 12 }).createPartition('b', { available: 7 });
    const { manager, readers } = withReaders((f) => new SingleSplitFetcherManager(f), log);
    manager.addSplits([{ splitId: 'a', offset: 0, endOffset: 12 }]);
    manager.addSplits([{ splitId: 'b', offset: 2, endOffset: 7 }]);

    const { seen, finished } = await collect(manager, (_, f) => f.length === 2);
    expect(seen.get('a')).toEqual(range(0, 12));
    expect(seen.get('b')).toEqual(range(2, 7));
    expect(finished.sort()).toEqual(['a', 'b']);
    expect(readers).toHaveLength(1);
    expect(manager.fetcherCount).toBe(1);
    await vi.waitFor(() => expect(manager.allIdle()).toBe(true));
    // The idle loop stays for later splits.
    log.createPartition('c', { available: 1 });
    manager.addSplits([{ splitId: 'c', offset: 0, endOffset: 1 }]);
    const later = await collect(manager, (_, f) => f.includes('c'));
    expect(later.seen.get('c')).toEqual([0]);
    expect(readers).toHaveLength(1);
  });

  it('keeps the first fetch failure, wrapped with its cause, splits and retriable flag', async () => {
    const log = new FakeLog().createPartition('a');
    const { manager } = withReaders((f) => new SingleSplitFetcherManager(f), log);
    manager.addSplits([{ splitId: 'a', offset: 0 }]);
    const cause = new TributaryError('TRIB_TEST_BROKER_DOWN', 'broker down', { retriable: true });
    log.failNextRead(cause);
    const woken = manager.queue.availability();
    await woken; // the failure wakes the consumer
    const error = manager.error;
    expect(isTributaryError(error)).toBe(true);
    expect(error?.code).toBe(SourceReaderErrorCodes.FETCH_FAILED);
    expect(error?.retriable).toBe(true);
    expect(error?.cause).toBe(cause);
    expect(error?.context).toMatchObject({ splitIds: ['a'] });
    expect(hasErrorCode(error, 'TRIB_TEST_BROKER_DOWN')).toBe(true);
    expect(() => manager.checkErrors()).toThrow(error as Error);
  });

  it('closes idempotently, then refuses new splits', async () => {
    const log = new FakeLog().createPartition('a');
    const { manager, readers } = withReaders((f) => new SingleSplitFetcherManager(f), log);
    manager.addSplits([{ splitId: 'a', offset: 0 }]);
    await vi.waitFor(() => expect(readers[0]?.probe.changes).toHaveLength(1));
    const closing = manager.close();
    expect(manager.close()).toBe(closing);
    await closing;
    expect(readers[0]?.probe.closed).toBe(true);
    expect(() => manager.addSplits([{ splitId: 'b', offset: 0 }])).toThrow(/closed/);
  });

  it('rejects close with TRIB_SOURCE_CLOSE_FAILED when a split reader fails to close', async () => {
    const log = new FakeLog().createPartition('a');
    const { manager, readers } = withReaders((f) => new SingleSplitFetcherManager(f), log);
    manager.addSplits([{ splitId: 'a', offset: 0 }]);
    const reader = readers[0] as InstrumentedLogSplitReader;
    reader.close = () => Promise.reject(new Error('socket already gone'));
    await expect(manager.close()).rejects.toSatisfy((e) =>
      hasErrorCode(e, SourceReaderErrorCodes.CLOSE_FAILED),
    );
  });
});

describe('PerSplitFetcherManager', () => {
  it('reads each split on its own loop and closes a loop when its split finishes', async () => {
    const log = new FakeLog().createPartition('a', { available: 3 }).createPartition('b');
    const { manager, readers } = withReaders((f) => new PerSplitFetcherManager(f), log);
    manager.addSplits([
      { splitId: 'a', offset: 0, endOffset: 3 },
      { splitId: 'b', offset: 0 },
    ]);
    expect(manager.fetcherCount).toBe(2);

    const first = await collect(manager, (_, f) => f.includes('a'));
    expect(first.seen.get('a')).toEqual([0, 1, 2]);
    const [readerA, readerB] = readers as [InstrumentedLogSplitReader, InstrumentedLogSplitReader];
    expect(readerA.probe.changes.flatMap((c) => c.splits.map((s) => s.splitId))).toEqual(['a']);
    expect(readerB.probe.changes.flatMap((c) => c.splits.map((s) => s.splitId))).toEqual(['b']);
    await vi.waitFor(() => expect(readerA.probe.closed).toBe(true));
    expect(manager.fetcherCount).toBe(1);
    expect(manager.allIdle()).toBe(false); // 'b' is still being read

    log.append('b', 4);
    const second = await collect(manager, (s) => s.get('b')?.length === 4);
    expect(second.seen.get('b')).toEqual([0, 1, 2, 3]);
    expect(readerB.probe.closed).toBe(false);
  });

  it('routes pause and remove to the loop that owns the split', async () => {
    const log = new FakeLog().createPartition('a').createPartition('b');
    const { manager, readers } = withReaders((f) => new PerSplitFetcherManager(f), log);
    manager.addSplits([
      { splitId: 'a', offset: 0 },
      { splitId: 'b', offset: 0 },
    ]);
    const [readerA, readerB] = readers as [InstrumentedLogSplitReader, InstrumentedLogSplitReader];
    manager.pauseOrResumeSplits(['b'], []);
    await vi.waitFor(() => expect(readerB.probe.pauses).toEqual([{ pause: ['b'], resume: [] }]));
    expect(readerA.probe.pauses).toEqual([]);

    manager.removeSplits(['a']);
    const { finished } = await collect(manager, (_, f) => f.includes('a'));
    expect(finished).toEqual(['a']);
    await vi.waitFor(() => expect(readerA.probe.closed).toBe(true));
    expect(readerB.probe.closed).toBe(false);
  });

  it('refuses a split it already reads', () => {
    const log = new FakeLog().createPartition('a');
    const { manager } = withReaders((f) => new PerSplitFetcherManager(f), log);
    manager.addSplits([{ splitId: 'a', offset: 0 }]);
    expect(() => manager.addSplits([{ splitId: 'a', offset: 5 }])).toThrow(/added twice/);
  });

  it('bounds buffered batches by the shared queue plus one per loop', async () => {
    const log = new FakeLog();
    for (const id of ['a', 'b', 'c']) log.createPartition(id, { available: Number.POSITIVE_INFINITY });
    const { manager } = withReaders((f) => new PerSplitFetcherManager(f, { elementQueueCapacity: 2 }), log);
    manager.addSplits(['a', 'b', 'c'].map((splitId) => ({ splitId, offset: 0 })));
    await vi.waitFor(() => expect(manager.queue.waitingPutters).toBe(3));
    await turns(10);
    expect(manager.queue.size).toBe(2);
    expect(log.fetchCalls).toBe(2 + 3);
  });
});
