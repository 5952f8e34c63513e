import {
  hasErrorCode,
  MetricRegistry,
  SinkWriterMetricGroup,
  SourceReaderMetricGroup,
} from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { MetricsErrorCodes } from './metrics-errors.js';
import { otlpReporter } from './otlp-reporter.js';
import { type OtlpPoint, type OtlpRequest, startOtlpCollector } from './testing-fixtures/otlp-collector.js';
import { recordingLogger } from './testing-fixtures/recording-logger.js';

const labels = (subtask: number) => ({ job: 'orders', operator: 'kafka-source', subtask: String(subtask) });
const SECRET = 'Bearer s3cr3t-token';

function pointsOf(request: OtlpRequest | undefined, metric: string): OtlpPoint[] {
  return (request?.points ?? []).filter((p) => p.metric === metric);
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function sourceRegistry(): { registry: MetricRegistry; groups: SourceReaderMetricGroup[] } {
  const registry = new MetricRegistry();
  const groups = [0, 1].map((i) => new SourceReaderMetricGroup(registry, labels(i)));
  groups[0]?.numRecordsIn.inc(120);
  groups[1]?.numRecordsIn.inc(80);
  groups[0]?.numBytesIn.inc(4096);
  groups[0]?.setPendingRecordsGauge(() => 42);
  return { registry, groups };
}

describe.each(['http/json', 'http/protobuf'] as const)('otlpReporter over %s', (protocol) => {
  it('exports counters as monotonic sums and gauges with their attributes, units and resource', async () => {
    await using collector = await startOtlpCollector();
    const { registry } = sourceRegistry();
    const logger = recordingLogger();
    await using reporter = otlpReporter({
      url: collector.url,
      protocol,
      intervalMs: 3_600_000,
      headers: { authorization: SECRET },
      resourceAttributes: { 'deployment.environment': 'test' },
      logger,
    });
    await reporter.start(registry);
    await reporter.flush();

    expect(collector.requests).toHaveLength(1);
    const request = collector.requests[0];
    expect(request?.contentType).toContain(
      protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
    );
    expect(request?.headers.authorization).toBe(SECRET);
    expect(request?.resource).toMatchObject({
      'service.name': 'tributary',
      'deployment.environment': 'test',
    });
    const records = pointsOf(request, 'tributary.numRecordsIn');
    expect(records.map((p) => [p.attributes, p.value])).toEqual([
      [labels(0), 120],
      [labels(1), 80],
    ]);
    expect(records[0]).toMatchObject({
      type: 'sum',
      monotonic: true,
      unit: '{record}',
      description: 'Records the source emitted (total).',
    });
    expect(pointsOf(request, 'tributary.numBytesIn')[0]).toMatchObject({ unit: 'By', value: 4096 });
    expect(pointsOf(request, 'tributary.pendingRecords')).toEqual([
      expect.objectContaining({ type: 'gauge', value: 42, attributes: labels(0) }),
    ]);
    // Gauges without a value yet are left out, not reported as 0.
    expect(pointsOf(request, 'tributary.currentEmitEventTimeLag')).toEqual([]);
    expect(pointsOf(request, 'tributary.sourceIdleTime')).toHaveLength(2);
    // The header is a secret: not in the reporter's printable form.
    expect(JSON.stringify(reporter)).not.toContain('s3cr3t');
    expect(reporter.options.headers).toEqual({ authorization: '[redacted]' });
  });
});

describe('otlpReporter', () => {
  it('exports on its interval, follows new metrics and sends per-second rates', async () => {
    await using collector = await startOtlpCollector();
    const { registry, groups } = sourceRegistry();
    await using reporter = otlpReporter({ url: collector.url, protocol: 'http/json', intervalMs: 40 });
    await reporter.start(registry);
    await until(() => collector.requests.length >= 2);

    const t0 = Date.now() + 60_000;
    registry.tick(t0);
    groups[0]?.numRecordsIn.inc(300);
    registry.tick(t0 + 10_000);
    const sink = new SinkWriterMetricGroup(registry, { job: 'orders', operator: 'es-sink', subtask: '0' });
    sink.numRecordsSend.inc(7);
    const seen = collector.requests.length;
    await until(() =>
      collector.requests.slice(seen).some((r) => pointsOf(r, 'tributary.numRecordsSend').length > 0),
    );
    const latest = collector.requests.at(-1);
    expect(pointsOf(latest, 'tributary.numRecordsSend')[0]?.value).toBe(7);
    expect(pointsOf(latest, 'tributary.numRecordsIn').find((p) => p.attributes.subtask === '0')?.value).toBe(
      420,
    );
    // The interval's ticker may have sampled again since; the rate is there and per second.
    const rate = pointsOf(latest, 'tributary.numRecordsInPerSecond').find(
      (p) => p.attributes.subtask === '0',
    );
    expect(rate).toMatchObject({ type: 'gauge', unit: '{record}/s' });
  });

  it('computes the rate gauge from registry ticks', async () => {
    await using collector = await startOtlpCollector();
    const { registry, groups } = sourceRegistry();
    await using reporter = otlpReporter({ url: collector.url, protocol: 'http/json', intervalMs: 3_600_000 });
    await reporter.start(registry);
    const t0 = Date.now() + 60_000;
    registry.tick(t0);
    groups[1]?.numRecordsIn.inc(250);
    registry.tick(t0 + 5_000);
    await reporter.flush();
    const rate = pointsOf(collector.requests[0], 'tributary.numRecordsInPerSecond');
    expect(rate.find((p) => p.attributes.subtask === '1')?.value).toBe(50);
    expect(rate.find((p) => p.attributes.subtask === '0')?.value).toBe(0);
  });

  it('reports a failed flush with a coded error, logs background failures once and recovers', async () => {
    await using collector = await startOtlpCollector();
    const { registry } = sourceRegistry();
    const logger = recordingLogger();
    await using reporter = otlpReporter({
      url: `${collector.url}?api_key=querysecret`,
      protocol: 'http/json',
      intervalMs: 30,
      headers: { 'x-api-key': SECRET },
      logger,
    });
    await reporter.start(registry);
    collector.status = 401;
    const error = await reporter.flush().catch((e: unknown) => e);
    expect(hasErrorCode(error, MetricsErrorCodes.EXPORT_FAILED)).toBe(true);
    expect((error as { retriable: boolean }).retriable).toBe(true);
    expect(String((error as Error).message)).not.toContain('querysecret');
    await until(() => reporter.exportFailures >= 4);
    const warnings = logger.entries.filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/export failed/);

    collector.status = 200;
    await until(() => collector.requests.length > 0);
    await until(() => logger.entries.some((e) => e.msg === 'OTLP metrics export recovered'));
    const logs = JSON.stringify(logger.entries);
    expect(logs).toContain('TRIB_METRICS_EXPORT_FAILED');
    expect(logs).not.toContain('s3cr3t');
    expect(logs).not.toContain('querysecret');
  });

  it('limits attribute sets per metric and counts the dropped ones', async () => {
    await using collector = await startOtlpCollector();
    const registry = new MetricRegistry();
    for (const i of [0, 1, 2]) new SourceReaderMetricGroup(registry, labels(i)).numRecordsIn.inc(i + 1);
    const logger = recordingLogger();
    await using reporter = otlpReporter({
      url: collector.url,
      protocol: 'http/json',
      intervalMs: 3_600_000,
      maxSeriesPerMetric: 2,
      logger,
    });
    await reporter.start(registry);
    await reporter.flush();
    await reporter.flush();
    const last = collector.requests.at(-1);
    expect(pointsOf(last, 'tributary.numRecordsIn').map((p) => p.value)).toEqual([1, 2]);
    expect(
      pointsOf(last, 'tributary.droppedSeries').find((p) => p.attributes.metric === 'numRecordsIn')?.value,
    ).toBe(1);
    expect(logger.entries.filter((e) => e.fields.metric === 'numRecordsIn')).toHaveLength(1);
  });

  it('makes a final export on stop, stops idempotently and refuses a double start', async () => {
    await using collector = await startOtlpCollector();
    const { registry, groups } = sourceRegistry();
    const reporter = otlpReporter({ url: collector.url, protocol: 'http/json', intervalMs: 3_600_000 });
    await reporter.start(registry);
    await expect(reporter.start(registry)).rejects.toMatchObject({ code: MetricsErrorCodes.REPORTER_STATE });
    groups[0]?.numRecordsIn.inc(1);
    await reporter.stop();
    await reporter.stop();
    expect(collector.requests).toHaveLength(1);
    expect(pointsOf(collector.requests[0], 'tributary.numRecordsIn')[0]?.value).toBe(121);
    await expect(reporter.flush()).rejects.toMatchObject({ code: MetricsErrorCodes.REPORTER_STATE });
  });

  it('bounds the final export by finalExportTimeoutMs when the collector is down', async () => {
    // A port nobody listens on: the exporter's own retries would hold stop() for ~10 s.
    const down = await startOtlpCollector();
    const url = down.url;
    await down[Symbol.asyncDispose]();
    const { registry } = sourceRegistry();
    const logger = recordingLogger();
    const reporter = otlpReporter({ url, intervalMs: 3_600_000, finalExportTimeoutMs: 300, logger });
    await reporter.start(registry);
    const stopped = reporter.stop().then(() => 'stopped' as const);
    const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 4_000).unref());
    expect(await Promise.race([stopped, hung])).toBe('stopped');
    expect(reporter.exportFailures).toBe(1);
    expect(
      logger.entries.some((e) => e.level === 'warn' && /final OTLP metrics export/.test(e.msg ?? '')),
    ).toBe(true);
  });

  it('rejects invalid options naming the key', () => {
    expect(() => otlpReporter({ url: 'not a url' })).toThrow(/metrics\.otlp\.url/);
    expect(() => otlpReporter({ protocol: 'grpc' as never })).toThrow(/metrics\.otlp\.protocol/);
    let error: unknown;
    try {
      otlpReporter({ headers: { authorization: 'Bearer tøken…\n' } });
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(/metrics\.otlp\.headers\.authorization: must be a valid HTTP header value/);
    expect(String(error)).not.toContain('Bearer');
  });
});
