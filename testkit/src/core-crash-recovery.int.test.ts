import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DataGeneratorSource,
  Pipeline,
  readCommitted,
  silentLogger,
  TwoPhaseCommitTestSink,
} from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { runWithCrashes } from './child-job.js';
import type { CrashRecord } from './fixtures/datagen-2pc-job.js';

const jobScript = fileURLToPath(new URL('./fixtures/datagen-2pc-job.ts', import.meta.url));
// At 2500 records/s the job needs 20 s of progress; 12 runs killed within 1.5 s of the job's start,
// or at their first stored checkpoint (fallback 2.5 s), make well under 20 s of it, so the quota
// of kills is always reached first.
const KILLS = 12;
const COUNT = 50_000;
// Worker mode: 20 runs killed within 1.5 s of every subtask running, or at their first stored
// checkpoint (fallback 2.5 s), make well under the 30 s of progress 75 000 records at 2500/s need.
const WORKER_KILLS = 20;
const WORKER_COUNT = 75_000;

function idsOf(records: readonly CrashRecord[]): number[] {
  return records.map((r) => r.id).sort((a, b) => a - b);
}

const everyId = Array.from({ length: COUNT }, (_, i) => i);

describe('core runtime under SIGKILL (datagen → map → two-phase-commit sink, 200 ms checkpoints)', () => {
  // The three kill loops run at the same time: each has its own child processes, checkpoint and
  // store directories, and seeded kill schedule, nothing shared. Kill delays count from each run's
  // restore (or from every subtask running) and the "stored" kills wait for the marker, so a slower
  // start-up next to the other loops moves no kill out of its window. The in-process savepoint test
  // below is not concurrent: it runs after them, alone.
  for (const guarantee of ['exactly-once', 'at-least-once'] as const) {
    const exactlyOnce = guarantee === 'exactly-once';
    it.concurrent(`${guarantee}: ${KILLS} kills at seeded random moments${exactlyOnce ? ' and between "checkpoint stored" and "committed"' : ''}, then the output holds every record${exactlyOnce ? ' exactly once' : ''}`, async ({
      expect,
    }) => {
      const dir = await mkdtemp(join(tmpdir(), `trib-crash-${guarantee}-`));
      const storeDir = join(dir, 'store');
      // Odd runs of the exactly-once job die on the runtime's "stored" marker (the committer holds
      // 150 ms before committing), the others at a random moment; the timer is everyone's fallback.
      const onStored = (run: number) => exactlyOnce && run % 2 === 1;
      const result = await runWithCrashes({
        script: jobScript,
        args: [guarantee, join(dir, 'checkpoints'), storeDir, String(COUNT), '3', '2500'],
        kills: KILLS,
        minKillDelayMs: 300,
        maxKillDelayMs: 1500,
        killDelayForRun: (run) => (onStored(run) ? [2000, 2500] : [300, 1500]),
        killOnStored: onStored,
        killDelayFrom: 'restored',
        // Below the test's timeout: a stuck loop fails with the seed and the per-run summary.
        timeoutMs: 150_000,
      });
      const context = result.summary;
      process.stdout.write(`core crash test (${guarantee}): ${context}\n`);
      expect(result.kills, context).toBe(KILLS);
      expect(result.finishedEarly, context).toBe(false);
      // Restores happened: most runs after the first resumed from a checkpoint, not from scratch.
      expect(result.restoredRuns, context).toBeGreaterThanOrEqual(Math.ceil((result.runs - 1) * 0.6));
      if (exactlyOnce) expect(result.killsBetweenStoredAndCommitted, context).toBeGreaterThanOrEqual(4);
      const { records } = await readCommitted<CrashRecord>(storeDir);
      expect(records.every((r) => r.payload === `RECORD-${r.id}`)).toBe(true);
      if (exactlyOnce) {
        expect(idsOf(records), context).toEqual(everyId);
      } else {
        expect([...new Set(idsOf(records))], context).toEqual(everyId);
      }
    }, 180_000);
  }

  // The same job with its subtasks in worker threads (2 workers × 2 subtasks): a SIGKILL of the
  // process takes every worker with it, and each restart restores all four subtasks in fresh workers.
  it.concurrent(`exactly-once in 2 worker threads × 2 subtasks: ${WORKER_KILLS} kills at seeded random moments and between "checkpoint stored" and "committed", then every record exactly once`, async ({
    expect,
  }) => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-crash-workers-'));
    const storeDir = join(dir, 'store');
    const onStored = (run: number) => run % 2 === 1;
    const result = await runWithCrashes({
      script: jobScript,
      args: [
        'exactly-once',
        join(dir, 'checkpoints'),
        storeDir,
        String(WORKER_COUNT),
        '4',
        '2500',
        'threads:2',
      ],
      kills: WORKER_KILLS,
      minKillDelayMs: 300,
      maxKillDelayMs: 1500,
      killDelayForRun: (run) => (onStored(run) ? [2000, 2500] : [300, 1500]),
      killOnStored: onStored,
      // Workers start seconds after the `restored` marker on a loaded machine (each loads the job
      // module): kill delays count from `running`, when every subtask is up.
      killDelayFrom: 'running',
      // Each run starts a process and two workers that load the job module: about 1 s on an idle
      // 2-core machine, 6–8 s under a load average of 25 (measured). The deadline covers both.
      timeoutMs: 400_000,
    });
    const context = result.summary;
    process.stdout.write(`core crash test (worker threads): ${context}\n`);
    expect(result.kills, context).toBe(WORKER_KILLS);
    expect(result.finishedEarly, context).toBe(false);
    expect(result.restoredRuns, context).toBeGreaterThanOrEqual(Math.ceil((result.runs - 1) * 0.6));
    expect(result.killsBetweenStoredAndCommitted, context).toBeGreaterThanOrEqual(6);
    const { records } = await readCommitted<CrashRecord>(storeDir);
    expect(records.every((r) => r.payload === `RECORD-${r.id}`)).toBe(true);
    expect(idsOf(records), context).toEqual(Array.from({ length: WORKER_COUNT }, (_, i) => i));
  }, 420_000);

  it('savepoint at parallelism 4, resumed at 2 and then at 6, still exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-rescale-'));
    const storeDir = join(dir, 'store');
    const count = 6000;
    const job = Pipeline.from(
      new DataGeneratorSource<CrashRecord>({
        generator: (index) => ({ id: index, payload: `record-${index}` }),
        count,
        recordsPerSecond: 4000,
        numSplits: 12,
      }),
    ).sinkTo(new TwoPhaseCommitTestSink<CrashRecord>({ directory: storeDir }));
    const env = { logger: silentLogger };
    const committed = async () => (await readCommitted<CrashRecord>(storeDir)).records.length;
    const waitForMoreThan = async (n: number) => {
      const deadline = Date.now() + 30_000;
      while ((await committed()) <= n) {
        if (Date.now() > deadline) throw new Error(`no progress beyond ${n} records`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    const at4 = job.start(
      { parallelism: 4, checkpointing: { intervalMs: 100, directory: join(dir, 'chk-4') } },
      env,
    );
    await waitForMoreThan(0);
    const sp1 = await at4.stopWithSavepoint({ directory: join(dir, 'savepoints') });
    const afterFirst = await committed();
    expect(afterFirst).toBeLessThan(count);

    const at2 = job.start(
      { parallelism: 2, restoreFrom: sp1, checkpointing: { intervalMs: 100, directory: join(dir, 'chk-2') } },
      env,
    );
    await waitForMoreThan(afterFirst);
    const sp2 = await at2.stopWithSavepoint({ directory: join(dir, 'savepoints') });
    expect(await committed()).toBeLessThan(count);

    const at6 = await job.execute(
      { parallelism: 6, restoreFrom: sp2, checkpointing: { intervalMs: 100, directory: join(dir, 'chk-6') } },
      env,
    );
    expect(at6.status).toBe('finished');
    const { records } = await readCommitted<CrashRecord>(storeDir);
    expect(idsOf(records)).toEqual(Array.from({ length: count }, (_, i) => i));
  });
});
