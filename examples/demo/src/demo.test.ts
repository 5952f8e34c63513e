import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalFileInput } from '@tributary/connector-files';
import { readFileRegion } from '@tributary/core';
import { ParquetFileFormat } from '@tributary/format-parquet';
import { afterEach, describe, expect, it } from 'vitest';
import { type DatasetOptions, DEFAULT_DATASET } from './demo-dataset.js';
import { demoPaths } from './demo-job.js';
import { listVisibleFiles } from './demo-output.js';
import { runDemo } from './demo-runner.js';
import type { DeadLetter, Order } from './order-records.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'trib-demo-'));
  dirs.push(d);
  return d;
}

const silent = { isTTY: false, write: () => true };
const small: DatasetOptions = { ...DEFAULT_DATASET, records: 6000, files: 3, badRatio: 0.01, days: 5 };

/** Every committed Parquet row and dead letter, read back from disk. */
async function readBack(root: string): Promise<{ orders: (Order & { file: string })[]; dead: DeadLetter[] }> {
  const paths = demoPaths(root);
  const parquet = new ParquetFileFormat<Order>({ int64As: 'number' });
  const orders: (Order & { file: string })[] = [];
  for (const file of (await listVisibleFiles(paths.output)).filter((f) => f.endsWith('.parquet'))) {
    const input = await LocalFileInput.open(join(paths.output, file));
    for (const r of (await readFileRegion(parquet, input)).records) orders.push({ ...r, file });
  }
  const dead: DeadLetter[] = [];
  for (const file of await listVisibleFiles(paths.deadLetter)) {
    const text = await readFile(join(paths.deadLetter, file), 'utf8');
    for (const line of text.split('\n').filter(Boolean)) dead.push(JSON.parse(line) as DeadLetter);
  }
  return { orders, dead };
}

function ids(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

async function expectExactlyOnce(
  root: string,
  records: number,
  badOrderIds: readonly number[],
): Promise<void> {
  const { orders, dead } = await readBack(root);
  const bad = new Set(badOrderIds);
  const valid = Array.from({ length: records }, (_, i) => i + 1).filter((id) => !bad.has(id));
  expect(ids(orders.map((o) => o.order_id))).toEqual(valid);
  expect(ids(dead.map((d) => Number(d.fields[0])))).toEqual(ids(badOrderIds));
}

// The demo runs its subtasks in worker threads (workers: 'auto'): each job start loads the job
// module in every worker, seconds on a loaded 2-core machine.
const JOB_TIMEOUT_MS = 60_000;

describe('the demo job', () => {
  it(
    'serves its metrics for Prometheus when asked (--metrics-port)',
    async () => {
      const root = await tempDir();
      let printed = '';
      let scraped = '';
      const result = await runDemo({
        dir: root,
        dataset: { ...small, records: 2000 },
        parallelism: 1,
        checkpointIntervalMs: 50,
        metricsPort: 0,
        metricsLingerMs: 0,
        out: {
          isTTY: false,
          write: (text: string) => {
            printed += text;
            const url = /Metrics: (http:\S+)/.exec(text)?.[1];
            if (url && !scraped) {
              void fetch(url)
                .then((r) => r.text())
                .then((body) => {
                  scraped = body;
                });
            }
            return true;
          },
        },
      });
      expect(result.complete).toBe(true);
      expect(printed).toMatch(/Metrics: http:\/\/127\.0\.0\.1:\d+\/metrics/);
      await expect.poll(() => scraped, { timeout: 5000 }).toContain('tributary_numRecordsIn');
    },
    JOB_TIMEOUT_MS,
  );

  it(
    'writes every valid order once to date partitions and every bad row once to the dead letters',
    async () => {
      const root = await tempDir();
      const result = await runDemo({
        dir: root,
        dataset: small,
        parallelism: 2,
        checkpointIntervalMs: 50,
        out: silent,
      });
      expect(result.outcome).toBe('finished');
      expect(result.complete).toBe(true);
      expect(result.manifest.badRecords).toBeGreaterThan(30);
      expect(Object.values(result.manifest.badByKind).every((n) => n > 0)).toBe(true);
      await expectExactlyOnce(root, small.records, result.manifest.badOrderIds);

      const { orders, dead } = await readBack(root);
      for (const o of orders) {
        // Partitioned Hive-style by the order's own date; total computed from the typed columns.
        expect(o.file.startsWith(`date=${o.order_date.toISOString().slice(0, 10)}/`)).toBe(true);
        expect(o.total).toBe(Math.round(o.quantity * o.unit_price * 100) / 100);
      }
      expect(new Set(orders.map((o) => o.file.split('/')[0])).size).toBe(small.days);
      const reasons = dead.map((d) => d.reason);
      expect(reasons.some((r) => r.startsWith('expected 8 fields, got 7'))).toBe(true);
      expect(reasons.some((r) => r.startsWith('unit_price is not a number'))).toBe(true);
      expect(reasons.some((r) => r.startsWith('order_date is not a YYYY-MM-DD date'))).toBe(true);
      expect(dead.every((d) => d.file.startsWith('orders-') && typeof d.line === 'number')).toBe(true);
    },
    JOB_TIMEOUT_MS,
  );

  it(
    'reports a finished run instead of running again, and starts over with fresh',
    async () => {
      const root = await tempDir();
      await runDemo({ dir: root, dataset: small, checkpointIntervalMs: 50, out: silent });
      const lines: string[] = [];
      const again = await runDemo({
        dir: root,
        dataset: small,
        out: { write: (t: string) => lines.push(t) },
      });
      expect(again.outcome).toBe('already-finished');
      expect(again.complete).toBe(true);
      expect(lines.join('')).toContain('pnpm demo -- --fresh');
      const fresh = await runDemo({
        dir: root,
        dataset: small,
        fresh: true,
        checkpointIntervalMs: 50,
        out: silent,
      });
      expect(fresh.outcome).toBe('finished');
      expect(fresh.restoredFromCheckpointId).toBeUndefined();
      await expectExactlyOnce(root, small.records, fresh.manifest.badOrderIds);
    },
    JOB_TIMEOUT_MS,
  );

  it('resumes after the process is killed mid-run, with every record exactly once', async () => {
    const root = await tempDir();
    const records = 120_000;
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../..');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@tributary/source',
        main,
        '--dir',
        root,
        '--records',
        String(records),
        '--files',
        '4',
        '--checkpoint-interval-ms',
        '100',
      ],
      { cwd: repoRoot, stdio: 'ignore' },
    );
    children.push(child);
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // Kill once a checkpoint completed and some, but not all, output is committed.
    const deadline = Date.now() + 20_000;
    let killed = false;
    while (Date.now() < deadline && child.exitCode === null) {
      const chk = (await readdir(demoPaths(root).checkpoints).catch(() => [])).filter((n) =>
        n.startsWith('chk-'),
      );
      const committed = await listVisibleFiles(demoPaths(root).output);
      if (chk.length > 0 && committed.length > 0) {
        child.kill('SIGKILL');
        killed = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await exited;
    expect(killed).toBe(true);

    const resumed = await runDemo({
      dir: root,
      dataset: { ...DEFAULT_DATASET, records, files: 4 },
      checkpointIntervalMs: 100,
      out: silent,
    });
    expect(resumed.outcome).toBe('finished');
    expect(resumed.restoredFromCheckpointId).toBeGreaterThan(0);
    expect(resumed.complete).toBe(true);
    await expectExactlyOnce(root, records, resumed.manifest.badOrderIds);
    // Two job starts, each with worker threads that load the job module (seconds on a loaded machine).
  }, 90_000);
});
