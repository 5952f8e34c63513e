import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { SinkWriter, WriterInitContext } from '../api/sink.js';
import type { ReaderOutput, Source, SourceReader, SplitEnumerator } from '../api/source.js';
import {
  MockAsyncSinkWriter,
  type TestRecord,
} from '../connector/sink/testing-fixtures/mock-async-sink-writer.js';
import { CoreErrorCodes } from '../errors/error-codes.js';
import { hasErrorCode } from '../errors/tributary-error.js';
import { createJsonLogger, silentLogger } from '../logging/logger.js';
import { MetricRegistry } from '../metrics/metric-registry.js';
import {
  type CheckpointData,
  type CheckpointStorage,
  MemoryCheckpointStorage,
} from './checkpoint-storage.js';
import { Pipeline } from './pipeline.js';
import { MemoryCommittingSink } from './testing-fixtures/memory-committing-sink.js';
import { type RangeSplit, rangeSource } from './testing-fixtures/range-source.js';

/**
 * Regression tests of the runtime's edge paths (issue #10, "Defects to fix"): each failed on the
 * runtime before its fix.
 */

const env = { logger: silentLogger };
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles with `promise`, or rejects naming `what` after `ms` (a hang fails with a diagnosis). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Memory checkpoints whose store takes `delayMs` (a slow medium: the window after the acks). */
function slowStorage(delayMs: number): CheckpointStorage {
  const memory = new MemoryCheckpointStorage();
  return Object.assign(Object.create(memory) as CheckpointStorage, {
    store: async (data: CheckpointData) => {
      await sleep(delayMs);
      return memory.store(data);
    },
  });
}

/** A range source whose enumerator snapshots go through `onSnapshot` first. */
function hookedRange(
  options: Parameters<typeof rangeSource>[0],
  hooks: {
    onSnapshot?: (checkpointId: number) => Promise<void> | void;
    onReader?: (reader: SourceReader<number, RangeSplit>) => SourceReader<number, RangeSplit>;
  },
): Source<number, RangeSplit, RangeSplit[]> {
  const base = rangeSource(options);
  const wrapEnumerator = (e: SplitEnumerator<RangeSplit, RangeSplit[]>) =>
    Object.assign(Object.create(e) as SplitEnumerator<RangeSplit, RangeSplit[]>, {
      snapshotState: async (id: number) => {
        await hooks.onSnapshot?.(id);
        return e.snapshotState(id);
      },
    });
  return {
    ...base,
    createEnumerator: (ctx) => wrapEnumerator(base.createEnumerator(ctx)),
    restoreEnumerator: (ctx, state) => wrapEnumerator(base.restoreEnumerator(ctx, state)),
    createReader: (ctx) => {
      const reader = base.createReader(ctx);
      return hooks.onReader ? hooks.onReader(reader) : reader;
    },
  };
}

describe('runtime edge paths', () => {
  it('#7 closes the committer when a re-run finds the job already finished', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-rerun-close-'));
    const sink = new MemoryCommittingSink();
    let opened = 0;
    let closed = 0;
    const tracked = Object.assign(Object.create(sink) as MemoryCommittingSink, {
      createCommitter: () => {
        opened++;
        const committer = sink.createCommitter();
        return {
          ...committer,
          close: async () => {
            closed++;
            await committer.close();
          },
        };
      },
    });
    const job = Pipeline.from(rangeSource({ total: 300, numSplits: 2 })).sinkTo(tracked);
    await job.execute({ checkpointing: { directory: dir } }, env);
    const again = await job.execute({ checkpointing: { directory: dir } }, env);
    expect(again.status).toBe('finished');
    expect(opened).toBe(2);
    expect(closed).toBe(2);
  });

  it('#2 hands restored splits to a reader before registering it, and registers it before start()', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-order-'));
    const sink = new MemoryCommittingSink();
    const calls: string[] = [];
    const base = rangeSource({ total: 20_000, numSplits: 2, batchSize: 10, pauseMs: 1 });
    const source: typeof base = {
      ...base,
      restoreEnumerator: (ctx, state) => {
        const e = base.restoreEnumerator(ctx, state);
        return Object.assign(Object.create(e) as typeof e, {
          addReader: (s: number) => {
            calls.push('register');
            e.addReader(s);
          },
          handleSourceEvent: () => calls.push('started event'),
        });
      },
      createReader: (ctx) => {
        const r = base.createReader(ctx);
        return Object.assign(Object.create(r) as typeof r, {
          addSplits: (splits: readonly RangeSplit[]) => {
            calls.push(`addSplits(${splits.length})`);
            r.addSplits(splits);
          },
          start: () => {
            calls.push('start');
            ctx.sendSourceEventToCoordinator({ started: true });
            r.start();
          },
        });
      },
    };
    const job = Pipeline.from(source).sinkTo(sink);
    const first = job.start({}, env);
    while (sink.values().length === 0 && calls.length === 0) await sleep(5);
    await sleep(30);
    const savepoint = await first.stopWithSavepoint({ directory: dir });
    calls.length = 0;
    await job.execute({ restoreFrom: savepoint }, env);
    // Restored splits before start (start() sees them); the enumerator registers the reader
    // before it gets any event start() sent.
    expect(calls.slice(0, 4)).toEqual(['addSplits(2)', 'start', 'register', 'started event']);
    expect(sink.values()).toEqual(range(20_000));
  });

  it('#1 a drain stop-with-savepoint that times out fails over instead of live-locking', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-drain-'));
    const sink = new MemoryCommittingSink();
    let slowDrains = 1;
    const slowEnd = Object.assign(Object.create(sink) as MemoryCommittingSink, {
      createWriter: (ctx: { subtaskId: number }) => {
        const w = sink.createWriter(ctx);
        return {
          ...w,
          flush: async (endOfInput: boolean) => {
            // The drain's flush(true) outlasts the checkpoint timeout (once).
            if (endOfInput && slowDrains > 0) {
              slowDrains--;
              await sleep(400);
            }
            await w.flush(endOfInput);
          },
        };
      },
    });
    const client = Pipeline.from(rangeSource({ total: 3000, numSplits: 1, batchSize: 10, pauseMs: 1 }))
      .sinkTo(slowEnd)
      .start(
        {
          checkpointing: { intervalMs: 50, timeoutMs: 100 },
          restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 10 },
        },
        env,
      );
    while (sink.values().length === 0) await sleep(5);
    await expect(client.stopWithSavepoint({ directory: dir, drain: true })).rejects.toThrow(/timed out/);
    const result = await within(client.result, 20_000, 'job after a failed drain');
    expect(result.status).toBe('finished');
    expect(result.restarts).toBe(1);
    expect(sink.values()).toEqual(range(3000));
  });

  it('#1 keeps minPauseBetweenMs before every checkpoint trigger, retries after a failure included', async () => {
    const triggers: number[] = [];
    let slowSnapshots = 2;
    const source = hookedRange(
      { total: 50, numSplits: 1 },
      {
        onSnapshot: async () => {
          triggers.push(Date.now());
          // The first checkpoints time out: each failure re-triggers at once (all input ended).
          if (slowSnapshots-- > 0) await sleep(600);
        },
      },
    );
    const registry = new MetricRegistry();
    const result = await Pipeline.from(source)
      .sinkTo(new MemoryCommittingSink())
      .execute(
        // A timeout well above a normal snapshot's time on a loaded machine: only the slow ones fail.
        { checkpointing: { timeoutMs: 400, minPauseBetweenMs: 300, tolerableFailedCheckpoints: 5 } },
        { ...env, metricRegistry: registry },
      );
    expect(result.status).toBe('finished');
    expect(registry.sum('numberOfFailedCheckpoints')).toBe(2);
    const gaps = triggers.slice(1).map((t, i) => t - (triggers[i] as number));
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    // Trigger, time out after 400 ms, pause 300 ms: at least 700 ms from trigger to trigger.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(695);
  });

  it('#3 stop-with-savepoint: nothing is written after the barrier, while the savepoint is stored and committed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-sync-sp-'));
    const sink = new MemoryCommittingSink();
    sink.commitDelayMs = 200;
    let snapshotted = false;
    let writesAfter = 0;
    const watched = Object.assign(Object.create(sink) as MemoryCommittingSink, {
      createWriter: (ctx: { subtaskId: number }) => {
        const w = sink.createWriter(ctx);
        return {
          ...w,
          write: async (batch: readonly number[]) => {
            if (snapshotted) writesAfter++;
            await w.write(batch, { currentWatermark: undefined, timestamp: () => undefined });
          },
          prepareCommit: async () => {
            snapshotted = true;
            return w.prepareCommit();
          },
        };
      },
    });
    const job = Pipeline.from(rangeSource({ total: 20_000, numSplits: 2, batchSize: 10, pauseMs: 1 })).sinkTo(
      watched,
    );
    // No periodic checkpoints: the savepoint is the only snapshot.
    const client = job.start({ parallelism: 2 }, env);
    await sleep(100);
    const savepoint = await client.stopWithSavepoint({ directory: dir });
    expect((await client.result).status).toBe('stopped');
    expect(writesAfter).toBe(0);
    await job.execute({ parallelism: 2, restoreFrom: savepoint }, env);
    expect(sink.values()).toEqual(range(20_000));
  });

  it('#3 stop-with-savepoint: an AsyncSinkWriter timer sends nothing past the savepoint (no duplicates on resume)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-sync-async-'));
    const delivered: number[] = [];
    const sink = {
      createWriter: (ctx: WriterInitContext) => {
        const writer = new MockAsyncSinkWriter({
          context: ctx,
          options: { maxBatchSize: 500, maxBufferedRequests: 10_000, maxTimeInBufferMs: 5 },
          submit: (entries) => {
            for (const e of entries) delivered.push(e.value);
            return [];
          },
        });
        return writer as unknown as SinkWriter<TestRecord>;
      },
    };
    const job = Pipeline.from(rangeSource({ total: 6000, numSplits: 1, batchSize: 10, pauseMs: 1 }))
      .map((v): TestRecord => ({ key: 'k', value: v }))
      .sinkTo(sink as never);
    const client = job.start({}, { ...env, checkpointStorage: slowStorage(300) });
    await sleep(100);
    const savepoint = await client.stopWithSavepoint({ directory: dir });
    expect((await client.result).status).toBe('stopped');
    await job.execute({ restoreFrom: savepoint }, env);
    expect(delivered.length).toBe(new Set(delivered).size);
    expect([...delivered].sort((a, b) => a - b)).toEqual(range(6000));
  });

  it('#3 a stop-with-savepoint that fails lets the job run on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-sp-fail-'));
    const sink = new MemoryCommittingSink();
    let slow = true;
    const source = hookedRange(
      { total: 3000, numSplits: 1, batchSize: 10, pauseMs: 1 },
      {
        onSnapshot: async () => {
          if (slow) {
            slow = false;
            await sleep(200);
          }
        },
      },
    );
    const client = Pipeline.from(source)
      .sinkTo(sink)
      .start({ checkpointing: { timeoutMs: 100 } }, env);
    await sleep(50);
    await expect(client.stopWithSavepoint({ directory: dir })).rejects.toThrow(/timed out/);
    const result = await within(client.result, 20_000, 'job after a failed stop');
    expect(result.status).toBe('finished');
    expect(sink.values()).toEqual(range(3000));
  });

  it("#6 an explicit restoreFrom wins over the directory's checkpoints; the same command again resumes", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-lineage-'));
    const chk = join(dir, 'checkpoints');
    const sink = new MemoryCommittingSink();
    const job = Pipeline.from(
      rangeSource({ total: 100_000, numSplits: 1, batchSize: 10, pauseMs: 2 }),
    ).sinkTo(sink);
    const options = { checkpointing: { intervalMs: 20, directory: chk } };
    /** Starts the job and lets it complete `n` checkpoints (however loaded the machine). */
    const runFor = async (n: number, restoreFrom?: string) => {
      const metricRegistry = new MetricRegistry();
      const client = job.start(
        { ...options, ...(restoreFrom ? { restoreFrom } : {}) },
        { ...env, metricRegistry },
      );
      while (metricRegistry.sum('numberOfCompletedCheckpoints') < n) await sleep(5);
      return client;
    };
    const first = await runFor(2);
    const early = await first.triggerSavepoint(join(dir, 'savepoints'));
    const earlyId = Number(/savepoint-(\d+)-/.exec(early)?.[1]);
    await sleep(100);
    await first.cancel();
    const latestBefore = (await first.result).lastCheckpointId as number;
    expect(latestBefore).toBeGreaterThan(earlyId);

    // Roll back: the savepoint wins over the newer checkpoints in the directory.
    const rolledBack = await runFor(2, early);
    await rolledBack.cancel();
    const second = await rolledBack.result;
    expect(second.restoredFromCheckpointId).toBe(earlyId);
    // New checkpoints of the new lineage get ids above the old lineage's.
    expect(second.lastCheckpointId).toBeGreaterThan(latestBefore);
    const jobFile = JSON.parse(await readFile(join(chk, 'job.json'), 'utf8')) as {
      lineage: { restoreFrom: string; firstCheckpointId: number };
    };
    expect(jobFile.lineage.restoreFrom).toBe(early);
    // Above every checkpoint directory present (an incomplete one of the cancelled run included).
    expect(jobFile.lineage.firstCheckpointId).toBeGreaterThan(latestBefore);

    // The same command after a "crash" resumes from the new lineage's latest checkpoint.
    // (A checkpoint being stored when the cancel came still lands: hence ≥.)
    const rerun = await runFor(0, early);
    await rerun.cancel();
    const resumedFrom = (await rerun.result).restoredFromCheckpointId as number;
    expect(resumedFrom).toBeGreaterThanOrEqual(second.lastCheckpointId as number);
  });

  it('#4 falls back to the previous complete checkpoint when the latest is unreadable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-corrupt-'));
    const sink = new MemoryCommittingSink();
    const job = Pipeline.from(
      rangeSource({ total: 100_000, numSplits: 1, batchSize: 10, pauseMs: 2 }),
    ).sinkTo(sink);
    const options = { checkpointing: { intervalMs: 20, directory: dir, retainedCheckpoints: 3 } };
    const metricRegistry = new MetricRegistry();
    const first = job.start(options, { ...env, metricRegistry });
    while (metricRegistry.sum('numberOfCompletedCheckpoints') < 3) await sleep(5);
    await first.cancel();
    const names = (await readdir(dir)).filter((n) => n.startsWith('chk-')).sort();
    expect(names.length).toBeGreaterThanOrEqual(2);
    const latest = names[names.length - 1] as string;
    const previous = Number((names[names.length - 2] as string).slice(4));
    await writeFile(join(dir, latest, 'state.json'), '{"truncated');
    const lines: string[] = [];
    const logger = createJsonLogger({ level: 'warn', write: (line: string) => lines.push(line) });
    const again = job.start(options, { logger });
    await sleep(50);
    await again.cancel();
    expect((await again.result).restoredFromCheckpointId).toBe(previous);
    expect(lines.some((l) => l.includes('checkpoint unreadable'))).toBe(true);
  });

  it('#5 rejects checkpointing.mode at-least-once (it would change nothing) naming the key', () => {
    expect(() =>
      Pipeline.from(rangeSource({ total: 1, numSplits: 1 }))
        .sinkTo(new MemoryCommittingSink())
        .start({ checkpointing: { mode: 'at-least-once' as 'exactly-once' } }),
    ).toThrow(/job\.checkpointing\.mode/);
  });

  it('#8 a reader idle through 30 000 wakes does not grow the heap (one handler per pending promise)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const WAKES = 31_000;
    let polls = 0;
    let heapAfterWarmUp = 0;
    let heapAtEnd = 0;
    const never = new Promise<void>(() => {});
    let release: (() => void) | undefined;
    const ended = new Promise<void>((resolve) => {
      release = resolve;
    });
    let handled = 0;
    const base = rangeSource({ total: 1, numSplits: 1 });
    const source: typeof base = {
      ...base,
      createEnumerator: (ctx) => ({
        start: () => {
          // One event per macrotask, the next only once the reader handled the last: each wakes
          // the idle subtask once, however loaded the machine (events sent faster than the
          // subtask runs would be handled several per wake).
          let sent = 0;
          const tick = () => {
            if (handled < sent) {
              setImmediate(tick);
              return;
            }
            if (sent++ >= WAKES) return;
            ctx.sendEventToSourceReader(0, { n: sent });
            setImmediate(tick);
          };
          setImmediate(tick);
        },
        handleSplitRequest: () => {},
        addSplitsBack: () => {},
        addReader: () => {},
        snapshotState: () => [],
        close: async () => {},
      }),
      createReader: () => {
        let events = 0;
        let done = false;
        return {
          start: () => {},
          pollNext: (_output: ReaderOutput<number>) => {
            polls++;
            return done ? 'end' : 'nothing';
          },
          // The same pending promise on every call, as most readers do while idle.
          isAvailable: () => (done ? Promise.resolve() : never),
          snapshotState: () => [],
          addSplits: () => {},
          notifyNoMoreSplits: () => {},
          handleSourceEvent: () => {
            events++;
            handled = events;
            if (events === 1000) {
              gc();
              heapAfterWarmUp = process.memoryUsage().heapUsed;
            } else if (events === WAKES) {
              gc();
              heapAtEnd = process.memoryUsage().heapUsed;
              done = true;
              release?.();
            }
          },
          close: async () => {},
        };
      },
    };
    const run = Pipeline.from(source)
      .sinkTo(new MemoryCommittingSink())
      .execute({ contractChecks: 'off' }, env);
    await ended;
    expect((await run).status).toBe('finished');
    expect(polls).toBeGreaterThan(30_000);
    // A handler per wake on the pending promise costs ~100 bytes each: 3 MB over 30 000 wakes.
    // The bound leaves room for what the test worker itself retains meanwhile (474 KB seen once
    // over 10 000 wakes in a loaded CI run).
    expect(heapAtEnd - heapAfterWarmUp).toBeLessThan(1_200_000);
  });

  it('#8 sends no barrier for a checkpoint aborted during the enumerator snapshot, and aborts only its own', async () => {
    const readerSnapshots: number[] = [];
    let first = true;
    const source = hookedRange(
      { total: 3000, numSplits: 1, batchSize: 10, pauseMs: 1 },
      {
        onSnapshot: async () => {
          if (first) {
            first = false;
            // Outlasts the timeout, then fails: by then a newer checkpoint may be in flight.
            await sleep(250);
            throw new Error('enumerator snapshot failed');
          }
        },
        onReader: (r) =>
          Object.assign(Object.create(r) as typeof r, {
            snapshotState: (id: number) => {
              readerSnapshots.push(id);
              return r.snapshotState(id);
            },
          }),
      },
    );
    const registry = new MetricRegistry();
    const result = await Pipeline.from(source)
      .sinkTo(new MemoryCommittingSink())
      .execute(
        // Checkpoint 1 times out at 200 ms; checkpoint 2 starts ~20 ms later and waits for the
        // enumerator until checkpoint 1's snapshot fails at 250 ms, then completes.
        { checkpointing: { intervalMs: 20, timeoutMs: 200 } },
        { ...env, metricRegistry: registry },
      );
    expect(result.status).toBe('finished');
    expect(readerSnapshots).not.toContain(1);
    expect(registry.sum('numberOfFailedCheckpoints')).toBe(1);
  });

  it('#8 a cancel during committer set-up starts no subtask', async () => {
    let readers = 0;
    const sink = new MemoryCommittingSink();
    const slowSetUp = Object.assign(Object.create(sink) as MemoryCommittingSink, {
      createCommitter: async () => {
        await sleep(150);
        return sink.createCommitter();
      },
    });
    const source = hookedRange(
      { total: 1000, numSplits: 1 },
      {
        onReader: (r) => {
          readers++;
          return r;
        },
      },
    );
    const client = Pipeline.from(source).sinkTo(slowSetUp).start({}, env);
    await sleep(30);
    await client.cancel();
    expect((await client.result).status).toBe('cancelled');
    await sleep(200);
    expect(readers).toBe(0);
  });

  it('#8 a cancel during a restart delay ends the job without waiting the delay out', async () => {
    const client = Pipeline.from(rangeSource({ total: 1000, numSplits: 1 }))
      .map((v) => {
        if (v === 10) throw new Error('injected');
        return v;
      })
      .sinkTo(new MemoryCommittingSink())
      .start({ restartStrategy: { type: 'fixed-delay', attempts: 1, delayMs: 60_000 } }, env);
    while (client.status() !== 'restarting') await sleep(5);
    await within(client.cancel(), 5000, 'cancel during the restart delay');
    expect((await client.result).status).toBe('cancelled');
  });

  it('#8 the commit retry budget is an option', async () => {
    const sink = new MemoryCommittingSink();
    sink.failCommits = 2;
    const run = Pipeline.from(rangeSource({ total: 10, numSplits: 1 }))
      .sinkTo(sink)
      .execute({ checkpointing: { commitRetry: { maxRetries: 1, initialRetryDelayMs: 1 } } }, env);
    await expect(run).rejects.toSatisfy((e: unknown) =>
      hasErrorCode((e as { cause?: unknown }).cause, CoreErrorCodes.RETRIES_EXHAUSTED),
    );
  });
});
