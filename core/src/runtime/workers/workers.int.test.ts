import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCommitted } from '../../builtins/transactional/transactional-store.js';
import { createJsonLogger } from '../../logging/logger.js';
import { MetricRegistry } from '../../metrics/metric-registry.js';
import type { JobEvent } from '../job-events.js';
import type { JobOptionsInput } from '../job-options.js';
import { loadJob } from './job-module.js';
import type { WorkerTestJobParams, WorkerTestRecord } from './testing-fixtures/datagen-2pc-job.js';

const jobModule = new URL('./testing-fixtures/datagen-2pc-job.ts', import.meta.url);

async function runJob(params: Omit<WorkerTestJobParams, 'storeDir'>, options: JobOptionsInput, dir?: string) {
  dir ??= await mkdtemp(join(tmpdir(), 'trib-workers-'));
  const storeDir = join(dir, 'store');
  const registry = new MetricRegistry();
  const logs: Record<string, unknown>[] = [];
  const logger = createJsonLogger({ level: 'info', write: (line) => logs.push(JSON.parse(line)) });
  // #region job-module-example
  // testing-fixtures/datagen-2pc-job.ts: export default defineJob((params) => Pipeline.from(...).sinkTo(...))
  const job = await loadJob<WorkerTestJobParams>(jobModule, { ...params, storeDir });
  const client = job.start(
    { jobName: 'workers-test', checkpointing: { intervalMs: 100, directory: join(dir, 'chk') }, ...options },
    { metricRegistry: registry, logger },
  );
  // #endregion job-module-example
  const events: JobEvent[] = [];
  client.on('*', (event) => events.push(event));
  const result = await client.result;
  const { records } = await readCommitted<WorkerTestRecord>(storeDir);
  return { result, records, registry, logs, events };
}

const ids = (records: readonly WorkerTestRecord[]) => records.map((r) => r.id).sort((a, b) => a - b);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe.each([
  ['threads', { threads: 2 }],
  ['processes', { processes: 2 }],
] as const)('subtasks in worker %s', (mode, workers) => {
  it('2 workers × 2 subtasks: every record once, metrics of every subtask in the main registry', async () => {
    const count = 4000;
    const { result, records, registry, logs } = await runJob({ count }, { parallelism: 4, workers });
    expect(result.status).toBe('finished');
    expect(result.restarts).toBe(0);
    expect(result.workers).toEqual({ mode, count: 2 });
    expect(ids(records)).toEqual(range(count));
    expect(records.every((r) => r.payload === `RECORD-${r.id}`)).toBe(true);
    // FLIP-33 names and labels as on the single loop, one series per subtask.
    for (const subtask of ['0', '1', '2', '3']) {
      expect(
        registry.find('numRecordsIn', { job: 'workers-test', operator: 'datagen', subtask }),
      ).toBeDefined();
      expect(
        registry.find('numRecordsSend', { job: 'workers-test', operator: 'store', subtask }),
      ).toBeDefined();
    }
    expect(registry.sum('numRecordsIn', { job: 'workers-test' })).toBe(count);
    expect(registry.sum('numRecordsSend', { job: 'workers-test' })).toBe(count);
    expect(logs.some((l) => l.msg === `running 4 subtasks in 2 worker ${mode}`)).toBe(true);
  });

  for (const how of ['throw', 'exit'] as const) {
    it(`a worker that ${how === 'throw' ? 'throws an uncaught error' : 'calls process.exit'} fails the attempt; the restart restores and finishes exactly once`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'trib-workers-fail-'));
      const count = 8000;
      // Fails as soon as a checkpoint exists (2 s into the run at most: 4000 records/s).
      const { result, records, events } = await runJob(
        {
          count,
          recordsPerSecond: 4000,
          failAt: { checkpointDir: join(dir, 'chk'), how, flagFile: join(dir, 'failed-once') },
        },
        { parallelism: 4, workers, restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 50 } },
        dir,
      );
      expect(result.status).toBe('finished');
      expect(result.restarts).toBe(1);
      const restarting = events.find((e) => e.type === 'restarting');
      const reason = restarting?.type === 'restarting' ? restarting.error.message : '';
      expect(reason).toMatch(how === 'exit' ? /exited with code 7/ : /exited with code 1/);
      // The second attempt resumed from a checkpoint, not from scratch.
      const restored = events.find((e) => e.type === 'restored');
      expect(restored?.type === 'restored' && restored.checkpointId).toBeGreaterThan(0);
      expect(ids(records)).toEqual(range(count));
    });
  }
});

/** Pids of this process's node children (ps, not the runtime's own bookkeeping; ps lists itself too). */
function ourChildren(): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([, comm]) => comm === 'node')
      .map(([pid]) => Number(pid));
  } catch {
    return []; // ps exits 1 when there are none
  }
}

it('cancel ends the worker processes of the job', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trib-workers-cancel-'));
  const before = new Set(ourChildren());
  const job = await loadJob<WorkerTestJobParams>(jobModule, {
    storeDir: join(dir, 'store'),
    count: 1_000_000,
    recordsPerSecond: 1000,
  });
  const registry = new MetricRegistry();
  const client = job.start({ parallelism: 2, workers: { processes: 2 } }, { metricRegistry: registry });
  // Running: both workers sent metrics of records they read.
  const deadline = Date.now() + 60_000;
  while (registry.find('numRecordsIn', { subtask: '1' })?.read() === undefined) {
    if (Date.now() > deadline) throw new Error('workers did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const workers = ourChildren().filter((pid) => !before.has(pid));
  expect(workers).toHaveLength(2);
  await client.cancel();
  expect(client.status()).toBe('cancelled');
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // terminate() resolves on each worker's exit: nothing is left when cancel returns.
  expect(workers.filter(alive)).toEqual([]);
}, 90_000);

it('stop-with-savepoint in worker threads, resumed on the single loop: every record once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trib-workers-savepoint-'));
  const storeDir = join(dir, 'store');
  const count = 6000;
  const job = await loadJob<WorkerTestJobParams>(jobModule, { storeDir, count, recordsPerSecond: 2000 });
  const client = job.start({
    parallelism: 4,
    workers: { threads: 2 },
    checkpointing: { intervalMs: 100, directory: join(dir, 'chk-threads') },
  });
  const completed = new Promise<void>((resolve) => client.on('checkpointCompleted', () => resolve()));
  await completed;
  const savepoint = await client.stopWithSavepoint({ directory: join(dir, 'savepoints') });
  expect((await client.result).status).toBe('stopped');
  const afterStop = (await readCommitted<WorkerTestRecord>(storeDir)).records.length;
  expect(afterStop).toBeLessThan(count);
  const resumed = await job.execute({
    parallelism: 2,
    workers: 1,
    restoreFrom: savepoint,
    checkpointing: { intervalMs: 100, directory: join(dir, 'chk-local') },
  });
  expect(resumed.status).toBe('finished');
  expect(resumed.workers).toEqual({ mode: 'local', count: 1 });
  const { records } = await readCommitted<WorkerTestRecord>(storeDir);
  expect(ids(records)).toEqual(range(count));
}, 90_000);
