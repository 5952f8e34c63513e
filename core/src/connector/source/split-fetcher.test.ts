import { afterEach, describe, expect, it, vi } from 'vitest';
import { createJsonLogger, silentLogger } from '../../logging/logger.js';
import { ElementQueue } from './element-queue.js';
import { RecordsBySplits, type RecordsWithSplitIds } from './records-with-split-ids.js';
import { SplitFetcher } from './split-fetcher.js';
import type { SplitReader } from './split-reader.js';
import { track, turns } from './testing-fixtures/event-loop.js';
import { FakeLog, InstrumentedLogSplitReader } from './testing-fixtures/fake-log.js';
import type { LogRecord, LogSplit } from './testing-fixtures/log-connector.js';

type Batch = RecordsWithSplitIds<LogRecord>;

function setup(
  options: { capacity?: number; batchSize?: number; ignoreWakeUp?: boolean; closeTimeoutMs?: number } = {},
) {
  const log = new FakeLog();
  const queue = new ElementQueue<Batch>(options.capacity ?? 2);
  const reader = new InstrumentedLogSplitReader(log, options.batchSize ?? 10, options.ignoreWakeUp ?? false);
  const events = { idle: 0, errors: [] as unknown[] };
  const warnings: string[] = [];
  const logger = createJsonLogger({ level: 'warn', write: (line) => warnings.push(line) });
  const fetcher = new SplitFetcher<LogRecord, LogSplit>(
    0,
    reader,
    queue,
    {
      onIdle: () => {
        events.idle++;
      },
      onError: (_f, error) => {
        events.errors.push(error);
      },
    },
    { closeTimeoutMs: options.closeTimeoutMs ?? 30_000, logger },
  );
  return { log, queue, reader, fetcher, events, warnings };
}

function offsets(batch: Batch | undefined, splitId: string): number[] {
  return (batch?.recordsBySplit.get(splitId) ?? []).map((r) => r.offset);
}

const open: SplitFetcher<LogRecord, LogSplit>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

function started<F extends SplitFetcher<LogRecord, LogSplit>>(fetcher: F, splits: LogSplit[]): F {
  open.push(fetcher);
  fetcher.addSplits(splits);
  fetcher.start();
  return fetcher;
}

describe('SplitFetcher', () => {
  it('stops calling fetch while the hand-over queue is full (backpressure)', async () => {
    const { log, queue, fetcher } = setup({ capacity: 2 });
    log.createPartition('p0', { available: Number.POSITIVE_INFINITY });
    started(fetcher, [{ splitId: 'p0', offset: 0 }]);

    // Two batches fill the queue, the third is held by the loop waiting for space.
    await vi.waitFor(() => expect(fetcher.phase).toBe('putting'));
    await turns(20);
    expect(log.fetchCalls).toBe(3);
    expect(queue.size).toBe(2);

    // A slow consumer: each poll frees one slot, which lets exactly one more fetch happen.
    const seen: number[] = [];
    for (let consumed = 1; consumed <= 5; consumed++) {
      seen.push(...offsets(queue.poll(), 'p0'));
      await vi.waitFor(() => expect(log.fetchCalls).toBe(3 + consumed));
      await turns(5);
      expect(log.fetchCalls).toBe(3 + consumed);
      expect(queue.size).toBeLessThanOrEqual(queue.capacity);
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('interrupts a long fetch with wakeUp when splits are added', async () => {
    const { log, queue, reader, fetcher } = setup();
    log.createPartition('empty').createPartition('full', { available: 3 });
    started(fetcher, [{ splitId: 'empty', offset: 0 }]);
    await vi.waitFor(() => expect(fetcher.phase).toBe('fetching'));
    await turns(5);
    expect(log.fetchCalls).toBe(1); // long-polling the empty partition

    fetcher.addSplits([{ splitId: 'full', offset: 0 }]);
    expect(reader.probe.wakeUps).toBe(1);
    await vi.waitFor(() => expect(queue.size).toBe(1));
    expect(offsets(queue.poll(), 'full')).toEqual([0, 1, 2]);
    expect(reader.probe.changes.map((c) => [c.type, c.splits.map((s) => s.splitId)])).toEqual([
      ['add', ['empty']],
      ['add', ['full']],
    ]);
  });

  it('wakes a pending fetch on close, closes the split reader once, and is idempotent', async () => {
    const { log, reader, fetcher } = setup();
    log.createPartition('p0');
    started(fetcher, [{ splitId: 'p0', offset: 0 }]);
    await vi.waitFor(() => expect(fetcher.phase).toBe('fetching'));

    const first = fetcher.close();
    expect(fetcher.close()).toBe(first);
    await first;
    expect(reader.probe.wakeUps).toBe(1);
    expect(reader.probe.closed).toBe(true);
    expect(fetcher.phase).toBe('closed');
  });

  it('stops waiting for queue space on close', async () => {
    const { log, fetcher, queue } = setup({ capacity: 1 });
    log.createPartition('p0', { available: Number.POSITIVE_INFINITY });
    started(fetcher, [{ splitId: 'p0', offset: 0 }]);
    await vi.waitFor(() => expect(fetcher.phase).toBe('putting'));
    await fetcher.close();
    expect(queue.waitingPutters).toBe(0);
  });

  it('closes the split reader after the close timeout when the fetch ignores wakeUp', async () => {
    const { log, reader, fetcher, warnings } = setup({ ignoreWakeUp: true, closeTimeoutMs: 20 });
    log.createPartition('p0');
    started(fetcher, [{ splitId: 'p0', offset: 0 }]);
    await vi.waitFor(() => expect(fetcher.phase).toBe('fetching'));
    await fetcher.close();
    expect(reader.probe.closed).toBe(true);
    expect(warnings.join('\n')).toContain('did not stop in time');
  });

  it('reports a failing fetch through onError and stops', async () => {
    const { log, fetcher, events } = setup();
    log.createPartition('p0');
    started(fetcher, [{ splitId: 'p0', offset: 0 }]);
    await vi.waitFor(() => expect(fetcher.phase).toBe('fetching'));
    const boom = new Error('connection reset');
    log.failNextRead(boom);
    await vi.waitFor(() => expect(events.errors).toEqual([boom]));
    expect(fetcher.phase).toBe('failed');
    expect(fetcher.isIdle()).toBe(false);
  });

  it('goes idle when its bounded splits finished, removing them before the hand-over', async () => {
    const { log, queue, fetcher, events } = setup();
    log.createPartition('p0', { available: 4 });
    started(fetcher, [{ splitId: 'p0', offset: 1, endOffset: 4 }]);
    await vi.waitFor(() => expect(events.idle).toBe(1));
    expect(fetcher.isIdle()).toBe(true);
    expect(fetcher.splitIds()).toEqual([]);
    const batch = queue.poll();
    expect(offsets(batch, 'p0')).toEqual([1, 2, 3]);
    expect(batch?.finishedSplits).toEqual(['p0']);
  });

  it('does not fetch while all its splits are paused, and resumes', async () => {
    const { log, queue, reader, fetcher } = setup();
    log.createPartition('p0').createPartition('p1');
    started(fetcher, [
      { splitId: 'p0', offset: 0 },
      { splitId: 'p1', offset: 0 },
    ]);
    await vi.waitFor(() => expect(fetcher.phase).toBe('fetching'));
    fetcher.pauseOrResumeSplits(['p0', 'p1', 'unknown'], []);
    await vi.waitFor(() => expect(fetcher.phase).toBe('idle'));
    expect(reader.probe.pauses).toEqual([{ pause: ['p0', 'p1'], resume: [] }]);
    const callsWhilePaused = log.fetchCalls;
    log.append('p1', 2);
    await turns(10);
    expect(log.fetchCalls).toBe(callsWhilePaused);
    expect(fetcher.isIdle()).toBe(false); // paused splits are still owned

    fetcher.pauseOrResumeSplits([], ['p1']);
    await vi.waitFor(() => expect(queue.size).toBe(1));
    expect(offsets(queue.poll(), 'p1')).toEqual([0, 1]);
  });

  it('reports removed splits to the reader as finished', async () => {
    const { log, queue, reader, fetcher, events } = setup();
    log.createPartition('p0');
    started(fetcher, [{ splitId: 'p0', offset: 0 }]);
    await vi.waitFor(() => expect(fetcher.phase).toBe('fetching'));
    fetcher.removeSplits(['p0']);
    await vi.waitFor(() => expect(queue.size).toBe(1));
    expect(queue.poll()?.finishedSplits).toEqual(['p0']);
    expect(reader.probe.changes.at(-1)?.type).toBe('remove');
    await vi.waitFor(() => expect(events.idle).toBe(1));
  });

  it('runs connector tasks between fetches with the split reader', async () => {
    const { log, reader, fetcher } = setup();
    log.createPartition('p0');
    started(fetcher, [{ splitId: 'p0', offset: 0 }]);
    await vi.waitFor(() => expect(fetcher.phase).toBe('fetching'));
    const ran = vi.fn();
    fetcher.enqueueTask({ name: 'commitOffsets', run: (r) => ran(r) });
    await vi.waitFor(() => expect(ran).toHaveBeenCalledWith(reader));
  });

  it('yields to the event loop when a split reader answers empty without I/O', async () => {
    let fetches = 0;
    const busy: SplitReader<LogRecord, LogSplit> = {
      fetch: async () => {
        fetches++;
        return RecordsBySplits.empty();
      },
      handleSplitsChanges() {},
      wakeUp() {},
      close: async () => {},
    };
    const fetcher = new SplitFetcher<LogRecord, LogSplit>(
      0,
      busy,
      new ElementQueue<Batch>(),
      { onIdle() {}, onError() {} },
      { closeTimeoutMs: 1000, logger: silentLogger },
    );
    started(fetcher, [{ splitId: 'p0', offset: 0 }]);
    // A timer can only fire if the loop does not hog the microtask queue.
    const timer = track(new Promise<void>((resolve) => setTimeout(resolve, 1)));
    await vi.waitFor(() => expect(timer.settled()).toBe(true));
    expect(fetches).toBeGreaterThan(0);
  });
});
