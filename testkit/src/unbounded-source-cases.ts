import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type JobClient, MetricRegistry, silentLogger, sleep } from '@tributary/core';
import { expect, it } from 'vitest';
import { runWithCrashes } from './child-job.js';
import type { ChildRunSpec } from './contract-child-runner.js';
import type { ContractGuarantee } from './contract-context.js';
import {
  contractJobOptions,
  SOURCE_UNDER_TEST,
  type SourceJobSpec,
  sourceContractJob,
} from './contract-jobs.js';
import { checkContractMetrics } from './contract-metrics.js';
import { CHILD_RUNNER, contextModulePath, expectRestores, pollUntil } from './contract-suite-support.js';
import { verifySourceOutput } from './contract-verification.js';
import { GrowingTestData } from './growing-test-data.js';
import type { SourceSuiteRun } from './source-suite-run.js';

/** Checkpoints an unbounded job must complete after catching up, still running, to count as "never ends". */
const CHECKPOINTS_WHILE_IDLE = 3;
/** Crash test: records per split and round, and the pause between rounds while the child is killed. */
const CRASH_ROUND_RECORDS = 25;
const CRASH_ROUND_PAUSE_MS = 400;

/**
 * Registers the unbounded cases of one guarantee: data written before the start and while the
 * job runs is read, and the job never ends on its own; stop with savepoint, more data, resume
 * (metrics conform on the first run); idle readers keep running; SIGKILLs while data keeps coming.
 */
export function describeUnboundedCases(suite: SourceSuiteRun, guarantee: ContractGuarantee): void {
  const start = (spec: SourceJobSpec, parallelism: number, dir: string, restoreFrom?: string) => {
    const registry = new MetricRegistry();
    const job = sourceContractJob(suite.context(), spec).start(
      contractJobOptions(guarantee, parallelism, dir, restoreFrom === undefined ? {} : { restoreFrom }),
      { metricRegistry: registry, logger: silentLogger },
    );
    return { job, registry, watch: watchJob(job) };
  };
  const arrived = (storeDir: string, data: GrowingTestData, what: string, ended: () => string | undefined) =>
    pollUntil(async () => {
      if (data.allIn(await suite.delivered(storeDir), suite.keyOf)) return true;
      const problem = ended();
      if (problem !== undefined) throw new Error(`${problem} before ${what} arrived`);
      return false;
    }, what);
  const verify = async (data: GrowingTestData, storeDir: string) => {
    const problems = verifySourceOutput(
      data.expected,
      await suite.delivered(storeDir),
      guarantee,
      suite.keyOf,
      suite.context().ordering,
    );
    // The message names the first problems: vitest's report truncates a long array to its length.
    expect(problems, problems.slice(0, 20).join('\n')).toEqual([]);
  };

  it('reads data written before and while it runs, never ends; stop with savepoint, more data, resume; metrics conform', async () => {
    const t = await suite.prepare('unbounded', 3, suite.recordsPerSplit, 'unbounded');
    const data = new GrowingTestData(t.expected);
    const spec = { setup: t.setup, guarantee, storeDir: t.storeDir };
    const first = start(spec, 2, `${t.checkpoints}/a`);
    await arrived(t.storeDir, data, 'the data written before the start', first.watch);
    await data.append(suite.context(), t.setup);
    await arrived(t.storeDir, data, 'the data written while the job ran', first.watch);
    await keepsRunning(first.registry, first.watch);
    const savepoint = await first.job.stopWithSavepoint({ directory: `${t.checkpoints}/savepoints` });
    expect((await first.job.result).status).toBe('stopped');
    checkContractMetrics(first.registry, {
      role: 'source',
      expectedRecords: data.total,
      labels: { operator: SOURCE_UNDER_TEST },
      options: suite.context().metrics,
    });

    const before = (await suite.delivered(t.storeDir)).length;
    const added = await data.append(suite.context(), t.setup);
    const second = start(spec, 2, `${t.checkpoints}/b`, savepoint);
    await arrived(t.storeDir, data, 'the data written while the job was stopped', second.watch);
    await second.job.stopWithSavepoint({ directory: `${t.checkpoints}/savepoints` });
    expect((await second.job.result).status).toBe('stopped');
    await verify(data, t.storeDir);
    // Resumed from the savepoint: only the new records, nothing read again.
    if (guarantee === 'exactly-once') expect((await suite.delivered(t.storeDir)).length - before).toBe(added);
  });

  it('keeps running with more readers than splits (idle readers)', async () => {
    const t = await suite.prepare('unbounded-idle', 2, Math.ceil(suite.recordsPerSplit / 3), 'unbounded');
    const data = new GrowingTestData(t.expected);
    const run = start({ setup: t.setup, guarantee, storeDir: t.storeDir }, 4, `${t.checkpoints}/a`);
    await arrived(t.storeDir, data, 'the data written before the start', run.watch);
    await data.append(suite.context(), t.setup);
    await arrived(t.storeDir, data, 'the data written while the job ran', run.watch);
    await keepsRunning(run.registry, run.watch);
    await run.job.stopWithSavepoint({ directory: `${t.checkpoints}/savepoints` });
    expect((await run.job.result).status).toBe('stopped');
    await verify(data, t.storeDir);
  });

  const crash = suite.crash;
  if (crash === false) return;
  const kills = suite.unboundedCrashKills;
  it(`survives ${kills} SIGKILLs of the job process while data keeps being written`, async () => {
    const t = await suite.prepare('unbounded-crash', 4, CRASH_ROUND_RECORDS, 'unbounded');
    const data = new GrowingTestData(t.expected);
    const stopFile = join(await suite.tempDir('unbounded-crash-ctl'), 'stop');
    const spec: ChildRunSpec = {
      kind: 'source',
      contextModule: contextModulePath(suite.contextModule),
      exportName: suite.exportName,
      guarantee,
      parallelism: 2,
      checkpointDir: t.checkpoints,
      stopFile,
      // Throttled just above the write rate: kills land while records are in flight.
      job: { setup: t.setup, guarantee, storeDir: t.storeDir, recordsPerSecond: suite.recordsPerSecond / 2 },
    };
    let finalRun = false;
    let loopEnded = false;
    const loop = runWithCrashes({
      script: CHILD_RUNNER,
      args: [JSON.stringify(spec)],
      ...crash,
      kills,
      killDelayFrom: 'restored',
      onRunStart: (_run, final) => {
        finalRun ||= final;
      },
    });
    const settled = loop.then(
      () => {
        loopEnded = true;
      },
      () => {
        loopEnded = true;
      },
    );
    // New data during every run that gets killed, and once more during the final run.
    while (!finalRun && !loopEnded) {
      await data.append(suite.context(), t.setup);
      await sleep(CRASH_ROUND_PAUSE_MS);
    }
    if (!loopEnded) {
      await data.append(suite.context(), t.setup);
      await pollUntil(
        async () => loopEnded || data.allIn(await suite.delivered(t.storeDir), suite.keyOf),
        'every record written during the crash loop',
        crash.timeoutMs,
      );
      await writeFile(stopFile, '');
    }
    await settled;
    const result = await loop;
    expect(result.kills, result.summary).toBe(kills);
    expect(result.finishedEarly, result.summary).toBe(false);
    expectRestores(result);
    expect(data.rounds).toBeGreaterThan(kills);
    await verify(data, t.storeDir);
  });
}

/** Tracks whether a job ended; an unbounded job that ends by itself fails the test early. */
function watchJob(job: JobClient): () => string | undefined {
  let ended: string | undefined;
  job.result.then(
    (result) => {
      ended ??= `the unbounded job ended by itself (${result.status})`;
    },
    (error: unknown) => {
      ended ??= `the unbounded job failed: ${(error as Error).message}`;
    },
  );
  return () => ended;
}

/** Waits for a few more completed checkpoints with nothing left to read: the job must still run. */
async function keepsRunning(registry: MetricRegistry, ended: () => string | undefined): Promise<void> {
  const completed = () => registry.sum('numberOfCompletedCheckpoints');
  const target = completed() + CHECKPOINTS_WHILE_IDLE;
  await pollUntil(async () => {
    const problem = ended();
    if (problem !== undefined) throw new Error(`${problem} after reading everything`);
    return completed() >= target;
  }, `${CHECKPOINTS_WHILE_IDLE} more checkpoints`);
}
