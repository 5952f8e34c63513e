import { afterEach, describe, expect, it } from 'vitest';
import type { InputStatus, SourceOutput } from '../../api/source.js';
import { BatchingReaderOutput } from '../../watermark/batching-reader-output.js';
import { Watermarks } from '../../watermark/watermark-strategies.js';
import { RecordsBySplits } from './records-with-split-ids.js';
import { SingleSplitFetcherManager } from './single-split-fetcher-manager.js';
import type { SourceReaderBaseOptionsInput } from './source-reader-options.js';
import { FakeLog, testReaderContext } from './testing-fixtures/fake-log.js';
import {
  BatchingLogSplitReader,
  type LogBatch,
  LogBatchEmitter,
  LogBatchSourceReader,
} from './testing-fixtures/log-batch-connector.js';
import type { LogRecord, LogSplit, LogSplitState } from './testing-fixtures/log-connector.js';

/** The example batch emitter, logging every range it is given; can fail once, mid-range. */
class RecordingLogBatchEmitter extends LogBatchEmitter {
  readonly ranges: [first: number | undefined, from: number, to: number][] = [];
  /** The next range collects its first record, then throws. */
  failNext = false;

  override emitRecords(
    batch: LogBatch,
    from: number,
    to: number,
    output: SourceOutput<number>,
    state: LogSplitState,
  ): void {
    this.ranges.push([batch[0]?.offset, from, to]);
    if (this.failNext && to > from) {
      this.failNext = false;
      super.emitRecords(batch, from, from + 1, output, { ...state });
      throw new Error('emit failed');
    }
    super.emitRecords(batch, from, to, output, state);
  }
}

const readers: LogBatchSourceReader[] = [];
afterEach(async () => {
  await Promise.allSettled(readers.splice(0).map((r) => r.close()));
});

interface Setup {
  log: FakeLog;
  maxRecordsPerPoll: number;
  fetchSize: number;
  elementSize: number;
}

function setup(opts: Setup) {
  const options: SourceReaderBaseOptionsInput = { maxRecordsPerPoll: opts.maxRecordsPerPoll };
  const manager = new SingleSplitFetcherManager<LogBatch, LogSplit>(
    () => new BatchingLogSplitReader(opts.log, opts.fetchSize, opts.elementSize),
    options,
  );
  const emitter = new RecordingLogBatchEmitter();
  const reader = new LogBatchSourceReader(manager, emitter, testReaderContext(), options);
  readers.push(reader);
  const output = new BatchingReaderOutput<number>(Watermarks.none<number>());
  return { reader, emitter, output };
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

interface Poll {
  status: InputStatus;
  values: number[];
}

/** Polls like the runtime; `after` sees every poll (before the next one) until `done`. */
async function pollUntil(
  reader: LogBatchSourceReader,
  output: BatchingReaderOutput<number>,
  done: (poll: Poll) => boolean,
  after: (poll: Poll) => void = () => {},
): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    const status = reader.pollNext(output);
    const poll = { status, values: output.takeBatch().values };
    after(poll);
    if (done(poll)) return;
    if (status === 'end') throw new Error('reader ended before the condition held');
    if (status === 'nothing') await within(reader.isAvailable(), 5000, 'isAvailable() stayed pending');
  }
  throw new Error('condition never held');
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('SourceReaderBase with a BatchRecordEmitter', () => {
  it('emits at most maxRecordsPerPoll records per poll out of one big batch, keeping the rest for later', async () => {
    const log = new FakeLog().createPartition('a', { available: 100 });
    // One fetch: a single 100-record element, and 'a' finished.
    const { reader, output } = setup({ log, maxRecordsPerPoll: 15, fetchSize: 100, elementSize: 100 });
    reader.addSplits([{ splitId: 'a', offset: 0, endOffset: 100 }]);
    await within(reader.isAvailable(), 5000, 'no data');
    const perCall: [InputStatus, number][] = [];
    const all: number[] = [];
    for (let status: InputStatus = 'more'; status === 'more'; ) {
      status = reader.pollNext(output);
      const { values } = output.takeBatch();
      perCall.push([status, values.length]);
      all.push(...values);
      if (status === 'more') {
        // Mid-batch: the split is still owned, at exactly the emitted position.
        expect(reader.finished).toEqual([]);
        expect(reader.snapshotState(1)).toEqual([{ splitId: 'a', offset: all.length, endOffset: 100 }]);
      }
    }
    expect(perCall).toEqual([
      ['more', 15],
      ['more', 15],
      ['more', 15],
      ['more', 15],
      ['more', 15],
      ['more', 15],
      ['nothing', 10],
    ]);
    expect(all).toEqual(range(0, 100));
    expect(reader.finished).toEqual(['a']);
    expect(reader.snapshotState(2)).toEqual([]);
  });

  it('snapshots after every poll exactly the records emitted so far, whatever the limit and batch sizes', async () => {
    for (const maxRecordsPerPoll of [1, 3, 7, 40, 1000]) {
      for (const elementSize of [1, 4, 13]) {
        const log = new FakeLog().createPartition('a', { available: 95 });
        const { reader, output } = setup({ log, maxRecordsPerPoll, fetchSize: 30, elementSize });
        reader.addSplits([{ splitId: 'a', offset: 0, endOffset: 95 }]);
        reader.notifyNoMoreSplits();
        const all: number[] = [];
        await pollUntil(
          reader,
          output,
          (poll) => poll.status === 'end',
          (poll) => {
            const where = `maxRecordsPerPoll ${maxRecordsPerPoll}, elementSize ${elementSize}`;
            expect(poll.values.length, where).toBeLessThanOrEqual(maxRecordsPerPoll);
            all.push(...poll.values);
            expect(all, where).toEqual(range(0, all.length));
            if (reader.finished.length === 0) {
              expect(reader.snapshotState(1), where).toEqual([
                { splitId: 'a', offset: all.length, endOffset: 95 },
              ]);
            } else {
              // The split ends only once its last record was emitted.
              expect(all.length, where).toBe(95);
              expect(reader.snapshotState(1), where).toEqual([]);
            }
            if (poll.status === 'end') expect(all.length, where).toBe(95);
          },
        );
        expect(reader.finished).toEqual(['a']);
        await reader.close();
      }
    }
  });

  it('restores a snapshot taken mid-batch at exactly the next unemitted record: none lost, none twice', async () => {
    const log = new FakeLog().createPartition('a', { available: 50 });
    const first = setup({ log, maxRecordsPerPoll: 7, fetchSize: 50, elementSize: 5 });
    first.reader.addSplits([{ splitId: 'a', offset: 0 }]);
    await within(first.reader.isAvailable(), 5000, 'no data');
    const before: number[] = [];
    for (let i = 0; i < 3; i++) {
      expect(first.reader.pollNext(first.output)).toBe('more');
      before.push(...first.output.takeBatch().values);
    }
    // 21 records: the fourth poll would go on inside the fifth element (records 20..24).
    const checkpoint = first.reader.snapshotState(7);
    expect(checkpoint).toEqual([{ splitId: 'a', offset: 21 }]);
    expect(first.emitter.ranges.at(-1)).toEqual([20, 0, 1]);
    await first.reader.close();

    const second = setup({ log, maxRecordsPerPoll: 7, fetchSize: 50, elementSize: 5 });
    second.reader.addSplits(checkpoint);
    const after: number[] = [];
    await pollUntil(
      second.reader,
      second.output,
      () => after.length === 29,
      (poll) => after.push(...poll.values),
    );
    expect([...before, ...after]).toEqual(range(0, 50));
    expect(second.reader.snapshotState(8)).toEqual([{ splitId: 'a', offset: 50 }]);
  });

  it('hands every element over in consecutive ranges, an empty one once as [0, 0)', async () => {
    const r = (offset: number): LogRecord => ({ offset, timestamp: offset });
    const fetch = RecordsBySplits.forSplit<LogBatch>('a', [[r(0), r(1)], [], [r(2)]], true);
    let served = false;
    const manager = new SingleSplitFetcherManager<LogBatch, LogSplit>(() => ({
      fetch: async () => {
        if (served) return RecordsBySplits.empty();
        served = true;
        return fetch;
      },
      handleSplitsChanges() {},
      wakeUp() {},
      close: async () => {},
    }));
    const emitter = new RecordingLogBatchEmitter();
    const reader = new LogBatchSourceReader(manager, emitter, testReaderContext(), { maxRecordsPerPoll: 1 });
    readers.push(reader);
    const output = new BatchingReaderOutput<number>(Watermarks.none<number>());
    reader.addSplits([{ splitId: 'a', offset: 0, endOffset: 3 }]);
    await within(reader.isAvailable(), 5000, 'no data');
    const statuses = [reader.pollNext(output), reader.pollNext(output), reader.pollNext(output)];
    expect(statuses).toEqual(['more', 'more', 'more']);
    expect(reader.finished).toEqual([]);
    expect(reader.pollNext(output)).toBe('nothing');
    expect(reader.finished).toEqual(['a']);
    expect(output.takeBatch().values).toEqual([0, 1, 2]);
    expect(emitter.ranges).toEqual([
      [0, 0, 1],
      [0, 1, 2],
      [undefined, 0, 0],
      [2, 0, 1],
    ]);
  });

  it('emits a range that failed again from its start on the next poll, the state left before it', async () => {
    const log = new FakeLog().createPartition('a', { available: 20 });
    const { reader, emitter, output } = setup({ log, maxRecordsPerPoll: 4, fetchSize: 20, elementSize: 10 });
    reader.addSplits([{ splitId: 'a', offset: 0 }]);
    await within(reader.isAvailable(), 5000, 'no data');
    expect(reader.pollNext(output)).toBe('more');
    expect(output.takeBatch().values).toEqual([0, 1, 2, 3]);
    emitter.failNext = true;
    expect(() => reader.pollNext(output)).toThrow('emit failed');
    expect(reader.snapshotState(1)).toEqual([{ splitId: 'a', offset: 4 }]);
    output.takeBatch();
    expect(reader.pollNext(output)).toBe('more');
    expect(output.takeBatch().values).toEqual([4, 5, 6, 7]);
    expect(emitter.ranges).toEqual([
      [0, 0, 4],
      [0, 4, 8],
      [0, 4, 8],
    ]);
  });
});
