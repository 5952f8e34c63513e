import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InputStatus } from '../../api/source.js';
import { CoreErrorCodes } from '../../errors/error-codes.js';
import { hasErrorCode } from '../../errors/tributary-error.js';
import { BatchingReaderOutput } from '../../watermark/batching-reader-output.js';
import { Watermarks } from '../../watermark/watermark-strategies.js';
import { PerSplitFetcherManager } from './per-split-fetcher-manager.js';
import { RecordsBySplits } from './records-with-split-ids.js';
import { SingleSplitFetcherManager } from './single-split-fetcher-manager.js';
import { SourceReaderErrorCodes } from './source-reader-error-codes.js';
import { track, turns } from './testing-fixtures/event-loop.js';
import { FakeLog, InstrumentedLogSplitReader, testReaderContext } from './testing-fixtures/fake-log.js';
import {
  type LogRecord,
  LogRecordEmitter,
  LogSourceReader,
  type LogSplit,
} from './testing-fixtures/log-connector.js';

const readers: LogSourceReader[] = [];
afterEach(async () => {
  await Promise.allSettled(readers.splice(0).map((r) => r.close()));
});

interface SetupOptions {
  perSplit?: boolean;
  maxRecordsPerPoll?: number;
  batchSize?: number;
  log?: FakeLog;
}

function setup(opts: SetupOptions = {}) {
  const log = opts.log ?? new FakeLog();
  const splitReaders: InstrumentedLogSplitReader[] = [];
  const factory = () => {
    const r = new InstrumentedLogSplitReader(log, opts.batchSize ?? 10);
    splitReaders.push(r);
    return r;
  };
  const options = { maxRecordsPerPoll: opts.maxRecordsPerPoll ?? 1000 };
  const manager = opts.perSplit
    ? new PerSplitFetcherManager(factory, options)
    : new SingleSplitFetcherManager(factory, options);
  const ctx = testReaderContext();
  const reader = new LogSourceReader(manager, new LogRecordEmitter(), ctx, options);
  readers.push(reader);
  const output = new BatchingReaderOutput<number>(Watermarks.monotonous<number>());
  return { log, splitReaders, manager, ctx, reader, output };
}

/** Rejects when `promise` is still pending after `ms` (a lost wake-up), instead of hanging the test. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(what)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls like the runtime (pollNext, and isAvailable after 'nothing') until `done(status)`. */
async function pollUntil(
  reader: LogSourceReader,
  output: BatchingReaderOutput<number>,
  done: (status: InputStatus) => boolean,
): Promise<InputStatus> {
  for (let i = 0; i < 10_000; i++) {
    const status = reader.pollNext(output);
    if (done(status)) return status;
    if (status === 'end') throw new Error('reader ended before the condition held');
    if (status === 'nothing') await within(reader.isAvailable(), 5000, 'isAvailable() stayed pending');
  }
  throw new Error('condition never held');
}

/** Partition timestamps are `base + offset`; bases 0, 1e6, 2e6 tell splits apart in the output. */
const BASE = { a: 0, b: 1_000_000, c: 2_000_000 } as const;

function emittedBySplit(output: BatchingReaderOutput<number>): Record<string, number[]> {
  const { values, timestamps } = output.takeBatch();
  const result: Record<string, number[]> = {};
  const splitOf = new Map<number, string>(Object.entries(BASE).map(([split, base]) => [base, split]));
  values.forEach((offset, i) => {
    const split = splitOf.get(Math.floor((timestamps[i] ?? 0) / 1_000_000) * 1_000_000) as string;
    const list = result[split] ?? [];
    list.push(offset);
    result[split] = list;
  });
  return result;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('SourceReaderBase', () => {
  it('emits every record of bounded splits in split order, and ends only after notifyNoMoreSplits', async () => {
    const { log, reader, output } = setup();
    log.createPartition('a', { available: 25, timestampBase: BASE.a });
    log.createPartition('b', { available: 7, timestampBase: BASE.b });
    reader.addSplits([
      { splitId: 'a', offset: 0, endOffset: 25 },
      { splitId: 'b', offset: 2, endOffset: 7 },
    ]);
    await pollUntil(reader, output, () => reader.finished.length === 2);
    expect(emittedBySplit(output)).toEqual({ a: range(0, 25), b: range(2, 7) });
    expect(reader.snapshotState(1)).toEqual([]);

    // All splits done, but more may come: 'nothing', and isAvailable waits (no busy loop).
    expect(reader.pollNext(output)).toBe('nothing');
    const available = track(reader.isAvailable());
    await turns(10);
    expect(available.settled()).toBe(false);

    reader.notifyNoMoreSplits();
    await vi.waitFor(() => expect(available.settled()).toBe(true));
    expect(reader.pollNext(output)).toBe('end');
  });

  it('ends at once with no splits and none to come', async () => {
    const { reader, output } = setup();
    reader.notifyNoMoreSplits();
    await within(reader.isAvailable(), 1000, 'isAvailable() stayed pending at end of input');
    expect(reader.pollNext(output)).toBe('end');
  });

  it('does not end while a split is unfinished, even after notifyNoMoreSplits', async () => {
    const { log, reader, output } = setup();
    log.createPartition('a', { available: 3 });
    reader.addSplits([{ splitId: 'a', offset: 0, endOffset: 5 }]);
    reader.notifyNoMoreSplits();
    await pollUntil(reader, output, () => output.size === 3);
    expect(reader.pollNext(output)).toBe('nothing');
    log.append('a', 2);
    expect(await pollUntil(reader, output, (s) => s === 'end')).toBe('end');
    expect(output.takeBatch().values).toEqual(range(0, 5));
  });

  it('reports end of input only once the fetch loop is idle, woken by the loop going idle', async () => {
    const log = new FakeLog().createPartition('a', { available: 4 });
    const splitReaders: InstrumentedLogSplitReader[] = [];
    const manager = new SingleSplitFetcherManager<LogRecord, LogSplit>(
      () => {
        const r = new InstrumentedLogSplitReader(log, 2);
        splitReaders.push(r);
        return r;
      },
      { elementQueueCapacity: 1 },
    );
    const reader = new LogSourceReader(manager, new LogRecordEmitter(), testReaderContext());
    readers.push(reader);
    const output = new BatchingReaderOutput<number>(Watermarks.none<number>());
    reader.addSplits([{ splitId: 'a', offset: 0, endOffset: 4 }]);
    reader.notifyNoMoreSplits();
    // Batch [0, 1] is queued; the last batch [2, 3] + "a finished" waits in the loop for space.
    await vi.waitFor(() => expect(manager.queue.waitingPutters).toBe(1));

    // This poll frees the slot, so the last batch is handed over and drained in the same call;
    // the loop has not run since, so it is not idle yet: no 'end' yet.
    expect(reader.pollNext(output)).toBe('nothing');
    expect(output.takeBatch().values).toEqual([0, 1, 2, 3]);
    expect(reader.finished).toEqual(['a']);
    expect(manager.allIdle()).toBe(false);

    // The loop goes idle next and must wake the reader, or it would wait forever.
    await within(reader.isAvailable(), 5000, 'the idle fetch loop did not wake the reader');
    expect(reader.pollNext(output)).toBe('end');
  });

  it('emits at most maxRecordsPerPoll per call and says more while it stopped at the limit', async () => {
    const { log, reader, output } = setup({ maxRecordsPerPoll: 4, batchSize: 10 });
    log.createPartition('a', { available: 10 });
    reader.addSplits([{ splitId: 'a', offset: 0, endOffset: 10 }]);
    await within(reader.isAvailable(), 5000, 'no data');
    const perCall: [InputStatus, number][] = [];
    for (let status: InputStatus = 'more'; status === 'more'; ) {
      status = reader.pollNext(output);
      perCall.push([status, output.takeBatch().values.length]);
    }
    expect(perCall).toEqual([
      ['more', 4],
      ['more', 4],
      ['nothing', 2],
    ]);
  });

  it('snapshots the exact emitted position mid-batch; a restored reader goes on without gaps or duplicates', async () => {
    const log = new FakeLog().createPartition('a', { available: 10 });
    const first = setup({ log, maxRecordsPerPoll: 3, batchSize: 10 });
    first.reader.addSplits([{ splitId: 'a', offset: 0 }]);
    await within(first.reader.isAvailable(), 5000, 'no data');
    expect(first.reader.pollNext(first.output)).toBe('more');
    // The fetch loop read all 10 records ahead; the checkpoint holds only what was emitted.
    expect(log.fetchCalls).toBeGreaterThanOrEqual(1);
    const checkpoint = first.reader.snapshotState(7);
    expect(checkpoint).toEqual([{ splitId: 'a', offset: 3 }]);
    const before = first.output.takeBatch().values;
    await first.reader.close();

    const second = setup({ log, batchSize: 10 });
    second.reader.addSplits(checkpoint);
    await pollUntil(second.reader, second.output, () => second.output.size === 7);
    const after = second.output.takeBatch().values;
    expect([...before, ...after]).toEqual(range(0, 10));
    expect(second.reader.snapshotState(8)).toEqual([{ splitId: 'a', offset: 10 }]);
  });

  it('releases a finished split output, so it no longer holds the watermark back', async () => {
    const { log, reader, output } = setup();
    log.createPartition('a', { available: 2, timestampBase: BASE.a });
    log.createPartition('b', { available: 3, timestampBase: BASE.b });
    reader.addSplits([
      { splitId: 'a', offset: 0, endOffset: 5 },
      { splitId: 'b', offset: 0 },
    ]);
    await pollUntil(reader, output, () => output.size === 5);
    // Monotonous per split: a's watermark 1 - 1 = 0 holds the reader's back (b's is 1_000_001).
    expect(output.onPeriodicEmit()).toBe(0);

    log.append('a', 3); // a reaches its end offset and finishes
    await pollUntil(reader, output, () => reader.finished.includes('a'));
    expect(emittedBySplit(output)).toEqual({ a: range(0, 5), b: range(0, 3) });
    // Had 'a' kept its output, the watermark would be stuck at 3 (its last timestamp 4, minus 1).
    expect(output.onPeriodicEmit()).toBe(BASE.b + 2 - 1);
  });

  it('wakes a waiting isAvailable on a fetch failure, then rethrows it on every pollNext and isAvailable', async () => {
    const { log, reader, output } = setup();
    log.createPartition('a');
    reader.addSplits([{ splitId: 'a', offset: 0 }]);
    expect(reader.pollNext(output)).toBe('nothing');
    const waiting = reader.isAvailable();
    const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    log.failNextRead(cause);

    // The pending promise resolves (a wake-up, never a late rejection nobody may be handling)...
    await within(waiting, 5000, 'the failure did not wake the reader');
    // ...and the next calls fail with the kept error.
    let error: unknown;
    try {
      reader.pollNext(output);
    } catch (e) {
      error = e;
    }
    expect(hasErrorCode(error, SourceReaderErrorCodes.FETCH_FAILED)).toBe(true);
    expect((error as Error).cause).toBe(cause);
    expect((error as { retriable: boolean }).retriable).toBe(true);
    await expect(reader.isAvailable()).rejects.toBe(error);
    expect(() => reader.pollNext(output)).toThrow(error as Error); // kept, not consumed
  });

  it('wakes a waiting isAvailable when data arrives after nothing (no lost wake-up), and only then', async () => {
    const { log, reader, output } = setup();
    log.createPartition('a');
    reader.addSplits([{ splitId: 'a', offset: 0 }]);
    let expected = 0;
    for (let round = 0; round < 20; round++) {
      expect(reader.pollNext(output)).toBe('nothing');
      // Data lands sometimes before, sometimes after the reader starts waiting.
      if (round % 2 === 0) log.append('a', 1);
      const available = track(reader.isAvailable());
      if (round % 2 === 1) {
        await turns(5);
        expect(available.settled()).toBe(false);
        log.append('a', 1);
      }
      await vi.waitFor(() => expect(available.settled()).toBe(true));
      expected++;
      await pollUntil(reader, output, () => output.size === expected);
    }
    expect(output.takeBatch().values).toEqual(range(0, 20));
  });

  it('wakes a long fetch on close; close is idempotent, disposable, and later polls fail', async () => {
    const { log, reader, output, splitReaders } = setup();
    log.createPartition('a');
    reader.addSplits([{ splitId: 'a', offset: 0 }]);
    await vi.waitFor(() => expect(log.fetchCalls).toBe(1));
    const splitReader = splitReaders[0] as InstrumentedLogSplitReader;
    {
      await using disposable = reader;
      expect(disposable).toBe(reader);
    }
    expect(splitReader.probe.wakeUps).toBeGreaterThanOrEqual(1);
    expect(splitReader.probe.closed).toBe(true);
    expect(reader.close()).toBe(reader.close());
    expect(() => reader.pollNext(output)).toThrow(expect.objectContaining({ code: CoreErrorCodes.CLOSED }));
    await within(reader.isAvailable(), 1000, 'isAvailable() pending after close');
  });

  it('maintains the emit times once per poll and leaves numRecordsIn to the runtime', async () => {
    const { log, reader, output, ctx } = setup({ maxRecordsPerPoll: 5 });
    log.createPartition('a', { available: 8, timestampBase: 1_700_000_000_000 });
    reader.addSplits([{ splitId: 'a', offset: 0, endOffset: 8 }]);
    const before = Date.now();
    await pollUntil(reader, output, () => reader.finished.length === 1);
    const metrics = ctx.metricGroup;
    // The runtime counts numRecordsIn for every source; counting here too would double it.
    expect(metrics.numRecordsIn.count).toBe(0);
    expect(metrics.lastEmitEventTime).toBe(1_700_000_000_000 + 7);
    expect(metrics.lastEmitTime).toBeGreaterThanOrEqual(before);
  });

  it('passes pause and resume to the fetch loop and its split reader', async () => {
    const { log, reader, splitReaders } = setup();
    log.createPartition('a').createPartition('b');
    reader.addSplits([
      { splitId: 'a', offset: 0 },
      { splitId: 'b', offset: 0 },
    ]);
    reader.pauseOrResumeSplits(['a'], []);
    reader.pauseOrResumeSplits([], ['a']);
    await vi.waitFor(() =>
      expect(splitReaders[0]?.probe.pauses).toEqual([
        { pause: ['a'], resume: [] },
        { pause: [], resume: ['a'] },
      ]),
    );
  });

  it('drops a removed split from its state and reports it finished', async () => {
    const { log, reader, output, manager } = setup();
    log.createPartition('a').createPartition('b');
    reader.addSplits([
      { splitId: 'a', offset: 0 },
      { splitId: 'b', offset: 0 },
    ]);
    manager.removeSplits(['a']);
    await pollUntil(reader, output, () => reader.finished.includes('a'));
    expect(reader.snapshotState(1)).toEqual([{ splitId: 'b', offset: 0 }]);
  });

  it('reads per split with PerSplitFetcherManager to the end and retires every loop', async () => {
    const { log, reader, output, manager, splitReaders } = setup({ perSplit: true, batchSize: 3 });
    log.createPartition('a', { available: 10, timestampBase: BASE.a });
    log.createPartition('b', { available: 4, timestampBase: BASE.b });
    log.createPartition('c', { available: 6, timestampBase: BASE.c });
    reader.addSplits([
      { splitId: 'a', offset: 0, endOffset: 10 },
      { splitId: 'b', offset: 0, endOffset: 4 },
    ]);
    reader.addSplits([{ splitId: 'c', offset: 1, endOffset: 6 }]);
    reader.notifyNoMoreSplits();
    expect(await pollUntil(reader, output, (s) => s === 'end')).toBe('end');
    expect(emittedBySplit(output)).toEqual({ a: range(0, 10), b: range(0, 4), c: range(1, 6) });
    expect(splitReaders).toHaveLength(3);
    await vi.waitFor(() => expect(splitReaders.every((r) => r.probe.closed)).toBe(true));
    expect(manager.fetcherCount).toBe(0);
  });

  it('refuses a split it already owns', () => {
    const { log, reader } = setup();
    log.createPartition('a');
    reader.addSplits([{ splitId: 'a', offset: 0 }]);
    expect(() => reader.addSplits([{ splitId: 'a', offset: 0 }])).toThrow(
      expect.objectContaining({ code: CoreErrorCodes.CONTRACT_VIOLATION }),
    );
  });

  it('fails with TRIB_SOURCE_UNKNOWN_SPLIT when a fetch returns records of a split it does not own', async () => {
    const ghost = RecordsBySplits.forSplit<LogRecord>('ghost', [{ offset: 0, timestamp: 0 }]);
    let served = false;
    const manager = new SingleSplitFetcherManager<LogRecord, LogSplit>(() => ({
      fetch: async () => {
        if (served) return RecordsBySplits.empty();
        served = true;
        return ghost;
      },
      handleSplitsChanges() {},
      wakeUp() {},
      close: async () => {},
    }));
    const reader = new LogSourceReader(manager, new LogRecordEmitter(), testReaderContext());
    readers.push(reader);
    reader.addSplits([{ splitId: 'a', offset: 0 }]);
    await within(reader.isAvailable(), 5000, 'no data');
    const output = new BatchingReaderOutput<number>(Watermarks.none<number>());
    expect(() => reader.pollNext(output)).toThrow(
      expect.objectContaining({ code: SourceReaderErrorCodes.UNKNOWN_SPLIT }),
    );
  });

  it('validates its options and names the bad key', () => {
    const manager = new SingleSplitFetcherManager<LogRecord, LogSplit>(
      () => new InstrumentedLogSplitReader(new FakeLog()),
    );
    expect(
      () =>
        new LogSourceReader(manager, new LogRecordEmitter(), testReaderContext(), { maxRecordsPerPoll: 0 }),
    ).toThrow(/sourceReader\.maxRecordsPerPoll/);
    expect(
      () =>
        new SingleSplitFetcherManager(() => new InstrumentedLogSplitReader(new FakeLog()), {
          elementQueueCapacity: 0,
        }),
    ).toThrow(/sourceReader\.elementQueueCapacity/);
  });
});
