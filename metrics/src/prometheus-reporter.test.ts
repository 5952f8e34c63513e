import { createServer } from 'node:net';
import {
  CommitterMetricGroup,
  hasErrorCode,
  JobMetricGroup,
  MetricRegistry,
  SinkWriterMetricGroup,
  SourceReaderMetricGroup,
} from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { MetricsErrorCodes } from './metrics-errors.js';
import { prometheusReporter, startPrometheusReporter } from './prometheus-reporter.js';
import { parsePrometheusText, samplesOf } from './testing-fixtures/prometheus-text.js';
import { recordingLogger } from './testing-fixtures/recording-logger.js';

const LOCAL = { port: 0, host: '127.0.0.1' } as const;
/** Registry labels of a source subtask. */
const job = (subtask: number, extra: Record<string, string> = {}) => ({
  job: 'orders',
  operator: 'kafka-source',
  subtask: String(subtask),
  ...extra,
});

/** The same labels as exported: Prometheus owns `job`, so ours is `job_name`. */
const exported = (subtask: number, extra: Record<string, string> = {}) => {
  const { job: name, ...rest } = job(subtask, extra);
  return { job_name: name, ...rest };
};

async function scrape(url: string) {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parsePrometheusText(await res.text());
}

describe('prometheusReporter', () => {
  it('serves FLIP-33 source, sink, committer and job metrics with their labels over HTTP', async () => {
    const registry = new MetricRegistry();
    const s0 = new SourceReaderMetricGroup(registry, job(0));
    const s1 = new SourceReaderMetricGroup(registry, job(1));
    s0.numRecordsIn.inc(120);
    s0.numBytesIn.inc(4096);
    s1.numRecordsIn.inc(80);
    s1.lastEmitEventTime = Date.now() - 5_000;
    s0.setPendingRecordsGauge(() => 42);
    const sink = new SinkWriterMetricGroup(registry, { job: 'orders', operator: 'es-sink', subtask: '0' });
    sink.numRecordsSend.inc(200);
    sink.recordSendTime(17);
    const committer = new CommitterMetricGroup(registry, { job: 'orders', operator: 'es-sink' });
    committer.successfulCommittables.inc(3);
    committer.pending = 2;
    const jobGroup = new JobMetricGroup(registry, { job: 'orders' });
    jobGroup.numberOfCompletedCheckpoints.inc(4);
    jobGroup.lastCheckpointDurationMs = 250;

    await using reporter = await startPrometheusReporter(registry, LOCAL);
    expect(reporter.port).toBeGreaterThan(0);
    const exp = await scrape(reporter.url);

    expect(exp.types.get('tributary_numRecordsIn_total')).toBe('counter');
    expect(exp.help.get('tributary_numRecordsIn_total')).toBe('Records the source emitted (total).');
    expect(samplesOf(exp, 'tributary_numRecordsIn_total')).toEqual([
      { name: 'tributary_numRecordsIn_total', labels: exported(0), value: 120 },
      { name: 'tributary_numRecordsIn_total', labels: exported(1), value: 80 },
    ]);
    expect(samplesOf(exp, 'tributary_numBytesIn_total', { subtask: '0' })[0]?.value).toBe(4096);
    expect(samplesOf(exp, 'tributary_pendingRecords')).toEqual([
      { name: 'tributary_pendingRecords', labels: exported(0), value: 42 },
    ]);
    expect(exp.types.get('tributary_sourceIdleTime')).toBe('gauge');
    expect(samplesOf(exp, 'tributary_sourceIdleTime')).toHaveLength(2);
    // Only subtask 1 has an event time: subtask 0's lag is "no value", not 0.
    const lag = samplesOf(exp, 'tributary_currentEmitEventTimeLag');
    expect(lag.map((s) => s.labels.subtask)).toEqual(['1']);
    expect(lag[0]?.value).toBeGreaterThanOrEqual(5_000);
    // Sink: the Send/Out pairs are the same counter.
    expect(samplesOf(exp, 'tributary_numRecordsSend_total')[0]?.value).toBe(200);
    expect(samplesOf(exp, 'tributary_numRecordsOut_total')[0]?.value).toBe(200);
    expect(samplesOf(exp, 'tributary_currentSendTime')[0]?.value).toBe(17);
    expect(samplesOf(exp, 'tributary_successfulCommittables_total')[0]).toEqual({
      name: 'tributary_successfulCommittables_total',
      labels: { job_name: 'orders', operator: 'es-sink' },
      value: 3,
    });
    expect(samplesOf(exp, 'tributary_pendingCommittables')[0]?.value).toBe(2);
    expect(samplesOf(exp, 'tributary_numberOfCompletedCheckpoints_total')[0]?.value).toBe(4);
    expect(samplesOf(exp, 'tributary_lastCheckpointDuration')[0]?.value).toBe(250);
    expect(samplesOf(exp, 'tributary_lastCheckpointSize')).toEqual([]);
  });

  it('exports per-second rates from registry ticks', async () => {
    const registry = new MetricRegistry();
    const group = new SourceReaderMetricGroup(registry, job(0));
    await using reporter = await startPrometheusReporter(registry, { ...LOCAL, rateIntervalMs: 3_600_000 });
    const before = await scrape(reporter.url);
    expect(before.types.get('tributary_numRecordsInPerSecond')).toBe('gauge');
    expect(samplesOf(before, 'tributary_numRecordsInPerSecond')).toEqual([]);

    const t0 = Date.now() + 60_000;
    registry.tick(t0);
    group.numRecordsIn.inc(500);
    registry.tick(t0 + 10_000);
    const after = await scrape(reporter.url);
    expect(samplesOf(after, 'tributary_numRecordsInPerSecond')).toEqual([
      { name: 'tributary_numRecordsInPerSecond', labels: exported(0), value: 50 },
    ]);
    expect(samplesOf(after, 'tributary_numRecordsIn_total')[0]?.value).toBe(500);
  });

  it('reads gauges at scrape time and follows groups that open and close', async () => {
    const registry = new MetricRegistry();
    let pending = 10;
    const group = new SourceReaderMetricGroup(registry, job(0));
    group.setPendingRecordsGauge(() => pending);
    await using reporter = await startPrometheusReporter(registry, { ...LOCAL, includeRates: false });
    expect(samplesOf(await scrape(reporter.url), 'tributary_pendingRecords')[0]?.value).toBe(10);
    pending = 3;
    expect(samplesOf(await scrape(reporter.url), 'tributary_pendingRecords')[0]?.value).toBe(3);

    // A split-level child group adds a label key; the metric is widened, not rejected.
    const split = group.addGroup('topic.name', 'orders').addGroup('partition', '7');
    split.gauge('pendingRecords', () => 1);
    const widened = await scrape(reporter.url);
    expect(samplesOf(widened, 'tributary_pendingRecords')).toEqual([
      { name: 'tributary_pendingRecords', labels: exported(0), value: 3 },
      {
        name: 'tributary_pendingRecords',
        labels: { ...exported(0), topic_name: 'orders', partition: '7' },
        value: 1,
      },
    ]);
    expect(widened.types.has('tributary_numRecordsInPerSecond')).toBe(false);

    group.close();
    const closed = await scrape(reporter.url);
    expect(samplesOf(closed, 'tributary_pendingRecords')).toEqual([]);
    expect(samplesOf(closed, 'tributary_numRecordsIn_total')).toEqual([]);
  });

  it('limits series per metric, counts the dropped ones and warns once', async () => {
    const registry = new MetricRegistry();
    const logger = recordingLogger();
    const groups = [0, 1, 2, 3, 4].map((i) => new SourceReaderMetricGroup(registry, job(i)));
    groups.forEach((g, i) => {
      g.numRecordsIn.inc(i + 1);
    });
    await using reporter = await startPrometheusReporter(registry, {
      ...LOCAL,
      maxSeriesPerMetric: 3,
      logger,
    });

    const first = await scrape(reporter.url);
    expect(samplesOf(first, 'tributary_numRecordsIn_total').map((s) => s.value)).toEqual([1, 2, 3]);
    expect(samplesOf(first, 'tributary_droppedSeries', { metric: 'numRecordsIn' })[0]?.value).toBe(2);
    expect(samplesOf(first, 'tributary_droppedSeries', { metric: 'sourceIdleTime' })[0]?.value).toBe(2);
    await scrape(reporter.url);
    const warnings = logger.entries.filter((e) => e.level === 'warn' && e.fields.metric === 'numRecordsIn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toMatchObject({
      dropped: 2,
      maxSeriesPerMetric: 3,
      component: 'metrics.prometheus',
    });

    // Admitted series stay admitted; a slot frees only when a series goes away.
    groups[1]?.close();
    const after = await scrape(reporter.url);
    expect(samplesOf(after, 'tributary_numRecordsIn_total').map((s) => s.labels.subtask)).toEqual([
      '0',
      '2',
      '3',
    ]);
    expect(samplesOf(after, 'tributary_droppedSeries', { metric: 'numRecordsIn' })[0]?.value).toBe(1);
    groups[0]?.close();
    const none = await scrape(reporter.url);
    expect(samplesOf(none, 'tributary_numRecordsIn_total')).toHaveLength(3);
    expect(samplesOf(none, 'tributary_droppedSeries', { metric: 'numRecordsIn' })[0]?.value).toBe(0);
  });

  it('leaves out a gauge that throws, logs it once, and keeps serving the rest', async () => {
    const registry = new MetricRegistry();
    const logger = recordingLogger();
    const group = new SourceReaderMetricGroup(registry, job(0));
    group.numRecordsIn.inc(9);
    group.setPendingRecordsGauge(() => {
      throw new Error('broker metadata unavailable');
    });
    await using reporter = await startPrometheusReporter(registry, { ...LOCAL, logger });
    const exp = await scrape(reporter.url);
    await scrape(reporter.url);
    expect(samplesOf(exp, 'tributary_pendingRecords')).toEqual([]);
    expect(samplesOf(exp, 'tributary_numRecordsIn_total')[0]?.value).toBe(9);
    expect(logger.entries.filter((e) => e.fields.metric === 'pendingRecords')).toHaveLength(1);
  });

  it('answers 404 off its path and 405 for other methods; honours a custom path and prefix', async () => {
    const registry = new MetricRegistry();
    new SourceReaderMetricGroup(registry, job(0)).numRecordsIn.inc(1);
    await using reporter = await startPrometheusReporter(registry, {
      ...LOCAL,
      path: '/prom',
      prefix: 'etl_',
    });
    expect(reporter.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/prom$/);
    const base = reporter.url.replace('/prom', '');
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect((await fetch(reporter.url, { method: 'POST' })).status).toBe(405);
    const head = await fetch(reporter.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const exp = await scrape(`${reporter.url}?x=1`);
    expect(samplesOf(exp, 'etl_numRecordsIn_total')[0]?.value).toBe(1);
  });

  it('fails to start on a taken port with a coded error, refuses a double start, stops idempotently', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const reporter = prometheusReporter({ port: taken, host: '127.0.0.1' });
      const error = await reporter.start(new MetricRegistry()).catch((e: unknown) => e);
      expect(hasErrorCode(error, MetricsErrorCodes.LISTEN_FAILED)).toBe(true);
      expect(() => reporter.port).toThrow(/not started/);
    } finally {
      blocker.close();
    }

    const registry = new MetricRegistry();
    const reporter = prometheusReporter(LOCAL);
    await reporter.start(registry);
    await expect(reporter.start(registry)).rejects.toMatchObject({ code: MetricsErrorCodes.REPORTER_STATE });
    const url = reporter.url;
    await reporter.stop();
    await reporter.stop();
    await expect(fetch(url)).rejects.toThrow();
    // A stopped reporter can serve again (the runtime may restart a job with a new registry).
    const next = new MetricRegistry();
    new SourceReaderMetricGroup(next, job(3)).numRecordsIn.inc(2);
    await reporter.start(next);
    try {
      expect(samplesOf(await scrape(reporter.url), 'tributary_numRecordsIn_total')).toEqual([
        { name: 'tributary_numRecordsIn_total', labels: exported(3), value: 2 },
      ]);
    } finally {
      await reporter.stop();
    }
  });

  it('keeps the job label when asked (honor_labels scrapes) and leaves out unlabelled gauges without value', async () => {
    const registry = new MetricRegistry();
    new SourceReaderMetricGroup(registry, job(0)).numRecordsIn.inc(1);
    registry.registerGauge('connectorBacklog', {}, () => undefined);
    registry.registerGauge('connectorThreads', {}, () => 4);
    await using reporter = await startPrometheusReporter(registry, { ...LOCAL, jobLabel: 'job' });
    const exp = await scrape(reporter.url);
    expect(samplesOf(exp, 'tributary_numRecordsIn_total')[0]?.labels).toEqual(job(0));
    expect(exp.types.get('tributary_connectorBacklog')).toBe('gauge');
    expect(samplesOf(exp, 'tributary_connectorBacklog')).toEqual([]);
    expect(samplesOf(exp, 'tributary_connectorThreads')).toEqual([
      { name: 'tributary_connectorThreads', labels: {}, value: 4 },
    ]);
    expect(exp.help.get('tributary_connectorThreads')).toBe('connectorThreads');
  });

  it('serves the final values frozen after a job end for lingerAfterFinishMs; stop() without context closes at once', async () => {
    const registry = new MetricRegistry();
    const source = new SourceReaderMetricGroup(registry, job(0));
    source.numRecordsIn.inc(10);
    let backlog: number | undefined = 7;
    source.setPendingRecordsGauge(() => backlog);
    const reporter = prometheusReporter({ ...LOCAL, lingerAfterFinishMs: 60_000 });
    await reporter.start(registry);
    const url = reporter.url;
    await reporter.stop({ jobStatus: 'finished' });
    // Later changes (a closed group, a gauge losing its value) do not reach the final values.
    source.numRecordsIn.inc(5);
    backlog = undefined;
    source.close();
    const final = await scrape(url);
    expect(samplesOf(final, 'tributary_numRecordsIn_total')[0]?.value).toBe(10);
    expect(samplesOf(final, 'tributary_pendingRecords')[0]?.value).toBe(7);
    // A user's stop() ends the linger early.
    await reporter.stop();
    await reporter.closed;
    await expect(fetch(url)).rejects.toThrow();

    // With no linger the runtime's stop closes the endpoint with the job.
    const quick = prometheusReporter({ ...LOCAL, lingerAfterFinishMs: 0 });
    await quick.start(registry);
    const quickUrl = quick.url;
    await quick.stop({ jobStatus: 'cancelled' });
    await expect(fetch(quickUrl)).rejects.toThrow();
  });

  it('logs a failed Pushgateway push (credentials stripped) and still ends', async () => {
    const registry = new MetricRegistry();
    new SourceReaderMetricGroup(registry, job(0)).numRecordsIn.inc(3);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const logger = recordingLogger();
    const reporter = prometheusReporter({
      ...LOCAL,
      lingerAfterFinishMs: 0,
      pushgateway: { url: `http://user:s3cret@127.0.0.1:${port}`, timeoutMs: 2_000 },
      logger,
    });
    await reporter.start(registry);
    await reporter.stop({ jobStatus: 'finished' });
    expect(reporter.pushedToGateway).toBe(false);
    const warning = logger.entries.find((e) => /Pushgateway failed/.test(e.msg ?? ''));
    expect(warning?.fields.pushgateway).toBe(
      `http://127.0.0.1:${port}/metrics/job/tributary/tributary_job/orders`,
    );
    expect(JSON.stringify(logger.entries)).not.toContain('s3cret');
  });

  it('rejects invalid options naming the key', () => {
    expect(() => prometheusReporter({ pushgateway: { url: 'ftp://x' } })).toThrow(
      /metrics\.prometheus\.pushgateway\.url/,
    );
    expect(() => prometheusReporter({ lingerAfterFinishMs: -1 })).toThrow(
      /metrics\.prometheus\.lingerAfterFinishMs/,
    );
    expect(() => prometheusReporter({ port: 70_000 })).toThrow(/metrics\.prometheus\.port/);
    expect(() => prometheusReporter({ path: 'metrics' })).toThrow(/metrics\.prometheus\.path/);
    expect(() => prometheusReporter({ prot: 1 } as never)).toThrow(/unknown option/);
  });
});
