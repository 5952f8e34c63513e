import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobResult } from '@tributary/core';
import {
  labelValuesQuery,
  type PrometheusServer,
  resolveDashboardQueries,
  startPrometheus,
  waitUntil,
} from '@tributary/e2e';
import {
  type DashboardPanelRequirement,
  grafanaDashboardPanels,
  grafanaDashboardVariableQueries,
  PrometheusReporter,
} from '@tributary/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DATASET, ensureDataset } from './demo-dataset.js';
import { demoPaths, startDemoJob } from './demo-job.js';
import { readOutputStats } from './demo-output.js';

/**
 * The demo job as an operator sees it: a real Prometheus (Debian's `prometheus`, our own config
 * on a loopback port) scrapes the job every second; after the job, its scraped final values must
 * equal the job's result and its output on disk exactly, and every dashboard panel that applies
 * to a files job must return data.
 */

let prometheus: PrometheusServer;
const dirs: string[] = [];

beforeAll(async () => {
  prometheus = await startPrometheus({
    scrapeIntervalMs: 1_000,
    log: (m) => console.log(`[prometheus] ${m}`),
  });
});
afterAll(async () => {
  await prometheus?.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A port for the job's endpoint, known before it starts so Prometheus can be told first. */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Panels a files job (CSV → validate → RoutingSink of two FileSinks) cannot fill. */
const NOT_FOR_FILES: ReadonlySet<DashboardPanelRequirement> = new Set([
  'event-time', // CSV rows carry no event time
  'fetch-event-time',
  'watermarks',
  'pending-records', // files know bytes, not records
  'send-time', // the file sink makes no send requests
]);

describe('the demo job scraped by a real Prometheus', () => {
  it('shows the final values exactly, dead letters per route, and data in every files panel', async () => {
    const root = await mkdtemp(join(tmpdir(), 'trib-demo-prom-'));
    dirs.push(root);
    const paths = demoPaths(root);
    const manifest = await ensureDataset(paths.input, { ...DEFAULT_DATASET, records: 40_000, files: 4 });
    const port = await freeLoopbackPort();
    const target = `127.0.0.1:${port}`;
    await prometheus.setTargets([target]);
    const jobName = `demo-${process.pid}-${Date.now()}`;
    const client = await startDemoJob(paths, {
      parallelism: 2,
      checkpointIntervalMs: 300,
      metricsPort: port,
      metricsLingerMs: 120_000,
      jobName,
    });
    const reporter = (await client.metricReporters()).find(
      (r): r is PrometheusReporter => r instanceof PrometheusReporter,
    ) as PrometheusReporter;
    let result: JobResult;
    try {
      result = await client.result;
      const endedAt = Date.now();
      // A scrape after the job's end reads its frozen final values.
      await waitUntil(
        async () => {
          const [sample] = await prometheus.query(
            `timestamp(tributary_numberOfCompletedCheckpoints_total{job_name="${jobName}"})`,
          );
          if (sample === undefined || sample.value * 1000 <= endedAt)
            throw new Error('no scrape after the end yet');
        },
        { what: 'a scrape after the job ended', timeoutMs: 30_000, maxIntervalMs: 250 },
      );

      const one = async (expr: string): Promise<number> => {
        const samples = await prometheus.query(expr);
        expect(samples, expr).toHaveLength(1);
        return (samples[0] as { value: number }).value;
      };
      const sel = `job_name="${jobName}"`;
      const stats = await readOutputStats(paths.output, paths.deadLetter);
      expect(stats.parquetRows).toBe(manifest.validRecords);
      expect(stats.deadLetterRows).toBe(manifest.badRecords);

      // Counters: the job's own registry, its result and its output, all equal to what Prometheus holds.
      const registryIn = client.metrics.sum('numRecordsIn');
      // Every CSV line (headers too) is a record in; the validator drops the header lines.
      expect(registryIn).toBe(manifest.validRecords + manifest.badRecords + manifest.files.length);
      expect(await one(`sum(tributary_numRecordsIn_total{${sel}})`)).toBe(registryIn);
      expect(await one(`sum(tributary_numRecordsSend_total{${sel}, route=""})`)).toBe(
        manifest.validRecords + manifest.badRecords,
      );
      expect(await one(`sum(tributary_numRecordsSend_total{${sel}, route="orders"})`)).toBe(
        stats.parquetRows,
      );
      expect(await one(`sum(tributary_numRecordsSend_total{${sel}, route="deadLetters"})`)).toBe(
        stats.deadLetterRows,
      );
      expect(await one(`sum(tributary_numRecordsInErrors_total{${sel}})`)).toBe(0);
      expect(await one(`sum(tributary_numberOfCompletedCheckpoints_total{${sel}})`)).toBe(
        result.completedCheckpoints,
      );
      expect(await one(`max(tributary_lastCompletedCheckpointId{${sel}})`)).toBe(result.lastCheckpointId);
      // The final checkpoint's commit is in: nothing pending, every committable committed.
      expect(await one(`sum(tributary_pendingCommittables{${sel}})`)).toBe(0);
      const total = await one(`sum(tributary_totalCommittables_total{${sel}})`);
      expect(total).toBeGreaterThan(0);
      expect(await one(`sum(tributary_successfulCommittables_total{${sel}})`)).toBe(total);
      // Every byte of the input was read.
      expect(await one(`sum(tributary_pendingBytes{${sel}})`)).toBe(0);

      // The Operator variable offers the committer, so its panels keep data when operators are chosen.
      const operatorVar = labelValuesQuery(
        grafanaDashboardVariableQueries().operator.replaceAll('$job', jobName),
      );
      const operators = (await prometheus.query(operatorVar.expr)).map((s) => s.labels.operator);
      expect(operators).toEqual(expect.arrayContaining(['orders-csv', 'parquet+dead-letter: Committer']));

      // Rate panels need two samples in their window (Grafana's $__rate_interval: 4 scrape intervals).
      await waitUntil(
        async () => {
          const [n] = await prometheus.query(
            `count_over_time(tributary_numberOfCompletedCheckpoints_total{${sel}}[4s])`,
          );
          if ((n?.value ?? 0) < 3) throw new Error('fewer than 3 samples in the rate window');
        },
        { what: 'three scrapes within the rate window', timeoutMs: 30_000, maxIntervalMs: 250 },
      );
      // Every panel that applies to a files job returns data, with All operators and with each one.
      const panels = grafanaDashboardPanels().filter(
        (p) => p.requires === undefined || !NOT_FOR_FILES.has(p.requires),
      );
      const queries = resolveDashboardQueries(panels, { job: jobName, rateInterval: '4s', range: '10m' });
      expect(queries.length).toBeGreaterThan(25);
      const empty: string[] = [];
      for (const query of queries) {
        if ((await prometheus.query(query.expr)).length === 0)
          empty.push(`${query.row} / ${query.panel}: ${query.expr}`);
      }
      expect(empty).toEqual([]);
      const committerPanels = resolveDashboardQueries(
        panels.filter((p) => p.row === 'Committer'),
        { job: jobName, operator: 'parquet.dead-letter: Committer', rateInterval: '4s', range: '10m' },
      );
      for (const query of committerPanels)
        expect((await prometheus.query(query.expr)).length, query.expr).toBe(1);
    } finally {
      await reporter.stop();
      await client.result.catch(() => undefined);
    }
  });
});
