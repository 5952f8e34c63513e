/**
 * The code snippets of docs/metrics.md. Each `#region` below is copied into the docs by
 * `pnpm --filter @tributary/metrics generate`, so every snippet in the docs runs here.
 */
import {
  DataGeneratorSource,
  DiscardingSink,
  MetricRegistry,
  type MetricReporter,
  Pipeline,
  ProcessMetricGroup,
  SinkWriterMetricGroup,
  SourceReaderMetricGroup,
} from '@tributary/core';
import { describe, expect, it } from 'vitest';
import {
  assertConnectorMetrics,
  checkConnectorMetrics,
  consoleReporter,
  createReporters,
  otlpReporter,
  type PrometheusReporter,
  prometheusReporter,
  startPrometheusReporter,
} from '../src/index.js';
import { startOtlpCollector } from '../src/testing-fixtures/otlp-collector.js';

describe('docs/metrics.md examples', () => {
  it('job option: metrics on for a running job', async () => {
    const orders = new DataGeneratorSource({ generator: (i) => ({ id: i }), recordsPerSecond: 1000 });
    // #region job-option
    const client = Pipeline.from(orders)
      .sinkTo(new DiscardingSink())
      .start({ jobName: 'orders', metrics: { prometheus: { port: 0, host: '127.0.0.1' } } });
    // The reporters start with the job and stop when it ends (the endpoint after lingerAfterFinishMs); `port: 0` binds a free port:
    const [prometheus] = await client.metricReporters();
    const url = (prometheus as PrometheusReporter).url; // http://127.0.0.1:<port>/metrics
    // #endregion job-option
    try {
      let text = '';
      for (let i = 0; i < 250 && !/tributary_numRecordsIn_total\{[^}]*\} [1-9]/.test(text); i++) {
        text = await (await fetch(url)).text();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(text).toMatch(/tributary_numRecordsIn_total\{[^}]*job_name="orders"[^}]*\} [1-9]/);
      expect(text).toContain('tributary_heapUsedBytes{job_name="orders"');
    } finally {
      await client.cancel();
      // After the job the endpoint lingers with the final values (lingerAfterFinishMs); end it now.
      await (prometheus as PrometheusReporter).stop();
    }
  });

  it('quick start: reporters for a job', async () => {
    const collector = await startOtlpCollector();
    const otlpUrl = collector.url;
    const apiKey = 'test-key';
    const lines: string[] = [];
    // #region reporters
    const metricReporters: MetricReporter[] = [
      prometheusReporter({ port: 0, host: '127.0.0.1' }), // scrape at GET /metrics
      otlpReporter({ url: otlpUrl, protocol: 'http/json', headers: { 'x-api-key': apiKey } }),
      consoleReporter({ intervalMs: 30_000, format: 'text', write: (report) => lines.push(report) }),
    ];
    // The runtime does this with its job option `metricReporters`:
    const registry = new MetricRegistry();
    for (const reporter of metricReporters) await reporter.start(registry);
    // … the job runs …
    for (const reporter of metricReporters) await reporter.stop();
    // #endregion reporters
    await collector.close();
    expect(collector.requests).toHaveLength(1); // the OTLP reporter's final export on stop
    expect(lines).toHaveLength(1); // the console reporter's last report on stop
  });

  it('configuration: createReporters', () => {
    // #region create-reporters
    const reporters = createReporters({
      prometheus: { port: 9249 },
      console: { format: 'json', intervalMs: 60_000 },
    });
    // -> [PrometheusReporter, ConsoleReporter], validated; bad keys throw naming e.g. metrics.prometheus.port
    // #endregion create-reporters
    expect(reporters.map((r) => r.name)).toEqual(['prometheus', 'console']);
  });

  it('standalone: a started Prometheus endpoint', async () => {
    // #region standalone
    const registry = new MetricRegistry();
    const reader = new SourceReaderMetricGroup(registry, {
      job: 'orders',
      operator: 'kafka-source',
      subtask: '0',
    });
    const processMetrics = new ProcessMetricGroup(registry, { job: 'orders' }); // event-loop lag, heap, rss

    await using endpoint = await startPrometheusReporter(registry, { port: 0, host: '127.0.0.1' });
    reader.numRecordsIn.inc(3);
    const text = await (await fetch(endpoint.url)).text();
    // tributary_numRecordsIn_total{job_name="orders",operator="kafka-source",subtask="0"} 3
    processMetrics.close();
    // #endregion standalone
    expect(text).toContain(
      'tributary_numRecordsIn_total{job_name="orders",operator="kafka-source",subtask="0"} 3',
    );
  });

  it('conformance: checkConnectorMetrics', () => {
    const registry = new MetricRegistry();
    const writer = new SinkWriterMetricGroup(registry, { job: 'contract', operator: 'sink', subtask: '0' });
    writer.numRecordsSend.inc(1000);
    writer.numBytesSend.inc(64_000);
    writer.recordSendTime(4);
    // #region conformance
    // After a bounded job wrote 1000 records through the connector under test:
    const problems = checkConnectorMetrics(registry, {
      role: 'sink',
      expectedRecords: 1000,
      labels: { job: 'contract', operator: 'sink' },
    });
    // [] when the connector conforms; otherwise e.g.
    // [{ metric: 'numBytesSend', message: 'stays 0 although 1000 records were written; …' }]

    // Or throw TRIB_METRICS_CONFORMANCE listing every problem:
    assertConnectorMetrics(registry, { role: 'sink', expectedRecords: 1000, labels: { job: 'contract' } });
    // #endregion conformance
    expect(problems).toEqual([]);
  });
});
