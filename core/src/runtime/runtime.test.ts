import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
import { rangeSource } from './testing-fixtures/range-source.js';

const env = { logger: silentLogger };
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Checkpoints in memory, with `beforeStore` awaited before each store (a slow medium). */
function slowStorage(beforeStore: (data: CheckpointData) => Promise<void>): CheckpointStorage {
  const memory = new MemoryCheckpointStorage();
  return {
    jobId: () => memory.jobId(),
    locationOf: (id) => memory.locationOf(id),
    latest: () => memory.latest(),
    prune: (retain) => memory.prune(retain),
    store: async (data) => {
      await beforeStore(data);
      return memory.store(data);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runtime', () => {
  it('runs a bounded parallel job through the chain and commits the final checkpoint', async () => {
    const sink = new MemoryCommittingSink();
    const registry = new MetricRegistry();
    const result = await Pipeline.from(rangeSource({ total: 10_000, numSplits: 7 }))
      .map((v) => v * 2)
      .filter((v) => v % 4 === 0)
      .sinkTo(sink)
      .execute({ parallelism: 3 }, { ...env, metricRegistry: registry });
    expect(result.status).toBe('finished');
    expect(result.completedCheckpoints).toBeGreaterThanOrEqual(1);
    expect(sink.values()).toEqual(
      range(10_000)
        .map((v) => v * 2)
        .filter((v) => v % 4 === 0),
    );
    expect(registry.sum('numRecordsIn')).toBe(10_000);
    expect(registry.sum('successfulCommittables')).toBe(3);
  });

  it('restarts from the latest checkpoint after a failure and delivers exactly once', async () => {
    const sink = new MemoryCommittingSink();
    let failed = false;
    const result = await Pipeline.from(rangeSource({ total: 3000, numSplits: 4, batchSize: 10, pauseMs: 1 }))
      .map((v) => {
        if (v === 1777 && !failed) {
          failed = true;
          throw new Error('injected failure');
        }
        return v;
      })
      .sinkTo(sink)
      .execute(
        {
          parallelism: 2,
          checkpointing: { intervalMs: 20 },
          restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 10 },
        },
        env,
      );
    expect(failed).toBe(true);
    expect(result.restarts).toBe(1);
    expect(sink.values()).toEqual(range(3000));
  });

  it('restores a checkpoint whose store finished after the attempt failed, never an older one', async () => {
    // Regression: the old attempt's in-flight checkpoint landed after the runner had picked the
    // previous one to restore, then committed its transactions: the replay duplicated them.
    const sink = new MemoryCommittingSink();
    let storing3 = false;
    let failedAt: number | undefined;
    const storage = slowStorage(async (data) => {
      if (data.checkpointId !== 3 || failedAt !== undefined) return;
      storing3 = true;
      while (failedAt === undefined) await sleep(5);
      // Land well after the failure: an attempt that does not wait for it restores checkpoint 2.
      await sleep(200);
    });
    const restoredIds: number[] = [];
    const logger = createJsonLogger({
      level: 'info',
      write: (line) => {
        const entry = JSON.parse(line) as { msg?: string; checkpointId?: number };
        if (entry.msg === 'restoring' && entry.checkpointId !== undefined)
          restoredIds.push(entry.checkpointId);
      },
    });
    const result = await Pipeline.from(rangeSource({ total: 3000, numSplits: 4, batchSize: 10, pauseMs: 1 }))
      .map((v) => {
        if (storing3 && failedAt === undefined) {
          failedAt = v;
          throw new Error('injected failure while checkpoint 3 is being stored');
        }
        return v;
      })
      .sinkTo(sink)
      .execute(
        {
          parallelism: 2,
          checkpointing: { intervalMs: 10 },
          restartStrategy: { type: 'fixed-delay', attempts: 1, delayMs: 0 },
        },
        { logger, checkpointStorage: storage },
      );
    expect(result.restarts).toBe(1);
    expect(restoredIds).toEqual([3]);
    expect(sink.values()).toEqual(range(3000));
  });

  it('lets a checkpoint whose store outlasts the timeout complete, once', async () => {
    const sink = new MemoryCommittingSink();
    // Longer than timeoutMs: the acks are all in, only the store is slow.
    const storage = slowStorage(async (data) => {
      if (data.checkpointId === 2) await sleep(400);
    });
    const registry = new MetricRegistry();
    const result = await Pipeline.from(rangeSource({ total: 2000, numSplits: 2, batchSize: 10, pauseMs: 1 }))
      .sinkTo(sink)
      .execute(
        { parallelism: 2, checkpointing: { intervalMs: 20, timeoutMs: 150 } },
        { logger: silentLogger, metricRegistry: registry, checkpointStorage: storage },
      );
    expect(result.status).toBe('finished');
    expect(registry.sum('numberOfFailedCheckpoints')).toBe(0);
    expect(registry.sum('alreadyCommittedCommittables')).toBe(0);
    expect(sink.values()).toEqual(range(2000));
  });

  it('fails with TRIB_JOB_FAILED when the restart strategy gives up', async () => {
    const sink = new MemoryCommittingSink();
    const run = Pipeline.from(rangeSource({ total: 100, numSplits: 1 }))
      .map(() => {
        throw new Error('always broken');
      })
      .sinkTo(sink)
      .execute({ restartStrategy: { type: 'fixed-delay', attempts: 1, delayMs: 1 } }, env);
    await expect(run).rejects.toSatisfy((e: unknown) => hasErrorCode(e, CoreErrorCodes.JOB_FAILED));
  });

  it('stops with a savepoint and resumes at another parallelism exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-rescale-'));
    const sink = new MemoryCommittingSink();
    const source = rangeSource({ total: 4000, numSplits: 8, batchSize: 20, pauseMs: 2 });
    const job = Pipeline.from(source).sinkTo(sink);
    const first = job.start({ parallelism: 4, checkpointing: { intervalMs: 30 } }, env);
    // Wait until some data is committed, then stop with a savepoint.
    while (sink.values().length === 0) await new Promise((r) => setTimeout(r, 5));
    const savepoint = await first.stopWithSavepoint({ directory: join(dir, 'savepoints') });
    const stopped = await first.result;
    expect(stopped.status).toBe('stopped');
    const committedBefore = sink.values().length;
    expect(committedBefore).toBeLessThan(4000);

    const resumed = await job.execute(
      {
        parallelism: 2,
        restoreFrom: savepoint,
        checkpointing: { intervalMs: 30, directory: join(dir, 'chk-2') },
      },
      env,
    );
    expect(resumed.status).toBe('finished');
    expect(resumed.restoredFromCheckpointId).toBeDefined();
    expect(sink.values()).toEqual(range(4000));
  });

  it('takes a savepoint asked for while the attempt is still setting up its committer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-early-sp-'));
    const sink = new MemoryCommittingSink();
    // Restoring a committer can take a while (re-committing a restored checkpoint's transactions).
    const slowSetUp = Object.assign(Object.create(sink) as MemoryCommittingSink, {
      createCommitter: async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return sink.createCommitter();
      },
    });
    const job = Pipeline.from(rangeSource({ total: 2000, numSplits: 2, batchSize: 10, pauseMs: 1 })).sinkTo(
      slowSetUp,
    );
    const first = job.start({ parallelism: 2 }, env);
    // Asked before the enumerator exists: it waits for the attempt to run.
    const savepoint = await first.stopWithSavepoint({ directory: dir });
    expect((await first.result).status).toBe('stopped');
    await job.execute({ parallelism: 2, restoreFrom: savepoint }, env);
    expect(sink.values()).toEqual(range(2000));
  });

  it('starts no checkpoint after a stop-with-savepoint completed, even while its commit is slow', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-stop-'));
    const sink = new MemoryCommittingSink();
    sink.commitDelayMs = 150;
    const registry = new MetricRegistry();
    const client = Pipeline.from(rangeSource({ total: 100_000, numSplits: 2, batchSize: 10, pauseMs: 2 }))
      .sinkTo(sink)
      .start({ parallelism: 2, checkpointing: { intervalMs: 10 } }, { ...env, metricRegistry: registry });
    while (sink.values().length === 0) await new Promise((r) => setTimeout(r, 5));
    const failedBefore = registry.sum('numberOfFailedCheckpoints');
    const savepoint = await client.stopWithSavepoint({ directory: dir });
    const result = await client.result;
    expect(result.status).toBe('stopped');
    // The savepoint is the last checkpoint: nothing was checkpointed (or committed) after it.
    expect(result.lastCheckpointId).toBe(Number(/savepoint-(\d+)-/.exec(savepoint)?.[1]));
    expect(registry.sum('numberOfFailedCheckpoints')).toBe(failedBefore);
  });

  it('rejects a savepoint requested after the job finished instead of hanging', async () => {
    const client = Pipeline.from(rangeSource({ total: 3, numSplits: 1 }))
      .sinkTo(new MemoryCommittingSink())
      .start({}, env);
    expect((await client.result).status).toBe('finished');
    const dir = await mkdtemp(join(tmpdir(), 'trib-late-sp-'));
    await expect(client.stopWithSavepoint({ directory: dir })).rejects.toSatisfy((e: unknown) =>
      hasErrorCode(e, CoreErrorCodes.CHECKPOINT_FAILED),
    );
    await expect(client.triggerSavepoint(dir)).rejects.toThrow(/already finished/);
  });

  it('keeps only the retained number of checkpoints on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-retain-'));
    const sink = new MemoryCommittingSink();
    const result = await Pipeline.from(rangeSource({ total: 2000, numSplits: 2, batchSize: 10, pauseMs: 2 }))
      .sinkTo(sink)
      .execute({ checkpointing: { intervalMs: 15, directory: dir, retainedCheckpoints: 2 } }, env);
    expect(result.completedCheckpoints).toBeGreaterThan(3);
    const chk = (await readdir(dir)).filter((n) => n.startsWith('chk-'));
    expect(chk.length).toBeLessThanOrEqual(2);
    expect(sink.values()).toEqual(range(2000));
  });

  it('re-running a finished job from its checkpoint directory does nothing twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-rerun-'));
    const sink = new MemoryCommittingSink();
    const job = Pipeline.from(rangeSource({ total: 500, numSplits: 2 })).sinkTo(sink);
    await job.execute({ checkpointing: { directory: dir } }, env);
    const again = await job.execute({ checkpointing: { directory: dir } }, env);
    expect(again.status).toBe('finished');
    expect(again.restoredFromCheckpointId).toBeDefined();
    expect(sink.values()).toEqual(range(500));
  });

  it('keeps the committables of a checkpoint that timed out and commits them with the next one', async () => {
    const sink = new MemoryCommittingSink();
    sink.slowFlush = { nth: 2, ms: 400 };
    const registry = new MetricRegistry();
    const result = await Pipeline.from(rangeSource({ total: 3000, numSplits: 2, batchSize: 10, pauseMs: 2 }))
      .sinkTo(sink)
      .execute(
        { parallelism: 2, checkpointing: { intervalMs: 30, timeoutMs: 100 } },
        { ...env, metricRegistry: registry },
      );
    expect(result.status).toBe('finished');
    expect(registry.sum('numberOfFailedCheckpoints')).toBeGreaterThanOrEqual(1);
    expect(sink.values()).toEqual(range(3000));
  });

  it('retries commits the committer asks to retry', async () => {
    const sink = new MemoryCommittingSink();
    sink.failCommits = 2;
    await Pipeline.from(rangeSource({ total: 100, numSplits: 1 }))
      .sinkTo(sink)
      .execute({}, env);
    expect(sink.commitCalls).toBe(3);
    expect(sink.values()).toEqual(range(100));
  });

  it('catches a reader whose isAvailable() stays pending while data waits', async () => {
    const sink = new MemoryCommittingSink();
    const run = Pipeline.from(
      rangeSource({ total: 1000, numSplits: 1, pauseMs: 1, brokenAvailability: true }),
    )
      .sinkTo(sink)
      .execute({ contractChecks: 'fail', availabilityProbeMs: 50 }, env);
    await expect(run).rejects.toSatisfy((e: unknown) => hasErrorCode(e, CoreErrorCodes.CONTRACT_VIOLATION));
  });

  it('validates job options and names the bad key', () => {
    expect(() =>
      Pipeline.from(rangeSource({ total: 1, numSplits: 1 }))
        .sinkTo(new MemoryCommittingSink())
        .start({ parallelism: 0 }),
    ).toThrow(/job\.parallelism/);
  });
});
