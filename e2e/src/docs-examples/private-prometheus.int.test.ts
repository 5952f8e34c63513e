import { DataGeneratorSource, DiscardingSink, Pipeline, silentLogger } from '@tributary/core';
import type { PrometheusReporter } from '@tributary/metrics';
import { expect, it } from 'vitest';
import { startPrometheus } from '../prometheus/prometheus-server.js';

/**
 * The "private Prometheus" snippet of docs/e2e.md (the `#region` below), run for real:
 * contract-docs.test.ts in the test kit copies it into the page. A bounded job serves its final
 * metrics; the private Prometheus scrapes them and the query returns every record the job read.
 */
it('scrapes a finished job with a private Prometheus', async () => {
  const records = 5_000;
  const client = Pipeline.from(new DataGeneratorSource({ generator: (i) => i, count: records }))
    .sinkTo(new DiscardingSink<number>())
    .start(
      {
        jobName: 'orders',
        checkpointing: { intervalMs: 100 },
        metrics: { prometheus: { port: 0, host: '127.0.0.1', lingerAfterFinishMs: 60_000 } },
      },
      { logger: silentLogger },
    );
  const reporter = (await client.metricReporters())[0] as PrometheusReporter;
  const port = reporter.port;
  await client.result;
  try {
    // #region private-prometheus
    await using prometheus = await startPrometheus({ scrapeIntervalMs: 1_000 });
    await prometheus.setTargets([`127.0.0.1:${port}`]); // the job's Prometheus reporter endpoint
    await prometheus.waitForTarget(`127.0.0.1:${port}`);
    const samples = await prometheus.query('sum(tributary_numRecordsIn_total{job_name="orders"})');
    // #endregion private-prometheus
    expect(samples.map((s) => s.value)).toEqual([records]);
  } finally {
    await reporter.stop();
  }
});
