import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoreErrorCodes,
  DataGeneratorSource,
  type JobClient,
  Pipeline,
  readCommitted,
  silentLogger,
  TributaryError,
  TwoPhaseCommitTestSink,
} from '@tributary/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OtlpReporter } from './otlp-reporter.js';
import { PrometheusReporter } from './prometheus-reporter.js';
import { type OtlpPoint, startOtlpCollector } from './testing-fixtures/otlp-collector.js';
import { type PromExposition, parsePrometheusText, samplesOf } from './testing-fixtures/prometheus-text.js';

/** The job option `metrics` through the real runtime: reporters loaded, started and fed by a running job. */

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trib-job-metrics-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An unbounded, rate-limited job into the 2PC test sink (commits on checkpoints). */
function startOrdersJob(metrics: Record<string, unknown>): JobClient {
  const source = new DataGeneratorSource({
    generator: (i) => ({ id: i, note: `order ${i}` }),
    recordsPerSecond: 2000,
  });
  return Pipeline.from(source)
    .sinkTo(new TwoPhaseCommitTestSink<{ id: number }>({ directory: join(dir, 'out') }))
    .start({ jobName: 'orders', checkpointing: { intervalMs: 50 }, metrics }, { logger: silentLogger });
}

async function poll<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function total(exposition: PromExposition, name: string): number {
  return samplesOf(exposition, name, { job_name: 'orders' }).reduce((sum, s) => sum + s.value, 0);
}

function registryTotal(client: JobClient, name: string): number {
  return client.metrics
    .metrics()
    .filter((m) => m.name === name && m.kind === 'counter')
    .reduce((sum, m) => sum + Number(m.read() ?? 0), 0);
}

describe('job option metrics', () => {
  it('serves a running job on a Prometheus endpoint whose numbers match what the sink committed', async () => {
    await using client = startOrdersJob({
      prometheus: { port: 0, host: '127.0.0.1', rateIntervalMs: 100, lingerAfterFinishMs: 1_000 },
    });
    const reporters = await client.metricReporters();
    const prometheus = reporters.find((r): r is PrometheusReporter => r instanceof PrometheusReporter);
    expect(prometheus?.port).toBeGreaterThan(0);
    const url = prometheus?.url as string;

    const scrape = async () => parsePrometheusText(await (await fetch(url)).text());
    // Scrape over HTTP while the job runs, until it has checkpointed twice and sent records.
    const running = await poll(async () => {
      const text = await scrape();
      const ready =
        total(text, 'tributary_numberOfCompletedCheckpoints_total') >= 2 &&
        total(text, 'tributary_numRecordsSend_total') > 0 &&
        total(text, 'tributary_numRecordsInPerSecond') > 0;
      return ready ? text : undefined;
    }, 'two checkpoints in the scrape');
    expect(client.status()).toBe('running');

    const recordsIn = total(running, 'tributary_numRecordsIn_total');
    const recordsSend = total(running, 'tributary_numRecordsSend_total');
    expect(recordsIn).toBeGreaterThanOrEqual(recordsSend);
    expect(total(running, 'tributary_numBytesSend_total')).toBeGreaterThan(recordsSend * 10);
    // currentSendTime is left out: the 2PC test sink does not measure send time (no value, no sample).
    expect(samplesOf(running, 'tributary_lastCompletedCheckpointId')[0]?.value).toBeGreaterThanOrEqual(2);
    expect(samplesOf(running, 'tributary_lastCheckpointDuration')).toHaveLength(1);
    expect(samplesOf(running, 'tributary_numRecordsInPerSecond', { job_name: 'orders' })).not.toHaveLength(0);
    // The per-job process group (event-loop lag, heap).
    expect(samplesOf(running, 'tributary_heapUsedBytes', { job_name: 'orders' })[0]?.value).toBeGreaterThan(
      0,
    );
    expect(samplesOf(running, 'tributary_eventLoopLagMs', { job_name: 'orders' })).toHaveLength(1);

    await client.stopWithSavepoint({ directory: join(dir, 'savepoint'), drain: true });
    const committed = (await readCommitted<{ id: number }>(join(dir, 'out'))).records.length;
    // Nothing is counted twice or lost between the source, the sink and the store.
    expect(registryTotal(client, 'numRecordsIn')).toBe(committed);
    expect(registryTotal(client, 'numRecordsSend')).toBe(committed);
    expect(committed).toBeGreaterThanOrEqual(recordsIn);
    // After the job the endpoint lingers with the final values: the last checkpoint and its
    // commit included, nothing pending.
    const final = await scrape();
    expect(total(final, 'tributary_numRecordsIn_total')).toBe(committed);
    expect(total(final, 'tributary_numRecordsSend_total')).toBe(committed);
    expect(total(final, 'tributary_numberOfCompletedCheckpoints_total')).toBe(
      (await client.result).completedCheckpoints,
    );
    expect(samplesOf(final, 'tributary_lastCompletedCheckpointId')[0]?.value).toBe(
      (await client.result).lastCheckpointId,
    );
    expect(total(final, 'tributary_pendingCommittables')).toBe(0);
    expect(total(final, 'tributary_successfulCommittables_total')).toBeGreaterThan(0);
    // Frozen: the process gauges are still there although the job closed them.
    expect(samplesOf(final, 'tributary_heapUsedBytes', { job_name: 'orders' })).toHaveLength(1);
    expect(await scrape()).toEqual(final);
    // Then it goes away.
    await prometheus?.closed;
    await expect(fetch(url)).rejects.toThrow();
  });

  it('pushes a running job to an OTLP collector', async () => {
    await using collector = await startOtlpCollector();
    await using client = startOrdersJob({
      otlp: { url: collector.url, protocol: 'http/json', intervalMs: 100 },
    });
    const reporters = await client.metricReporters();
    expect(reporters.map((r) => r instanceof OtlpReporter)).toEqual([true]);

    const points = (metric: string): OtlpPoint[] =>
      collector.requests
        .flatMap((r) => r.points)
        .filter((p) => p.metric === metric && p.attributes.job === 'orders');
    await poll(
      async () =>
        points('tributary.numberOfCompletedCheckpoints').some((p) => p.value >= 2) &&
        points('tributary.numRecordsSend').some((p) => p.value > 0)
          ? true
          : undefined,
      'two checkpoints at the collector',
    );
    expect(client.status()).toBe('running');
    expect(points('tributary.numRecordsIn').some((p) => p.value > 0 && p.type === 'sum' && p.monotonic)).toBe(
      true,
    );
    expect(points('tributary.numBytesSend').some((p) => p.value > 0)).toBe(true);
    expect(points('tributary.heapUsedBytes').some((p) => p.type === 'gauge' && p.value > 0)).toBe(true);
    await client.cancel();
    expect(client.status()).toBe('cancelled');
  });

  it('fails the job with TRIB_INVALID_OPTIONS naming the key when the reporter config is invalid', async () => {
    await using client = startOrdersJob({ prometheus: { port: -1 } });
    const error = await client.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as TributaryError).code).toBe(CoreErrorCodes.INVALID_OPTIONS);
    expect((error as Error).message).toContain('metrics.prometheus.port');
    await expect(client.metricReporters()).rejects.toBe(error);
  });
});
