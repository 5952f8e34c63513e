import { DataGeneratorSource, DiscardingSink, Pipeline, silentLogger } from '@tributary/core';
import type { PrometheusReporter } from '@tributary/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PushgatewayServer, startPushgateway } from './pushgateway-server.js';

/** `name{labels} value` samples of an exposition, by exact metric name. */
function samples(text: string, name: string): { labels: string; value: number }[] {
  const out: { labels: string; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] === name) out.push({ labels: match[2] ?? '', value: Number(match[3]) });
  }
  return out;
}

describe('Prometheus reporter → Pushgateway (real prometheus-pushgateway)', () => {
  let gateway: PushgatewayServer;
  beforeAll(async () => {
    gateway = await startPushgateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("pushes a bounded job's final values when it ends", async () => {
    const jobName = `push-${process.pid}-${Date.now()}`;
    const records = 25_000;
    const job = Pipeline.from(new DataGeneratorSource({ generator: (i) => i, count: records }), {
      name: 'gen',
    })
      .sinkTo(new DiscardingSink<number>(), { name: 'discard' })
      .start(
        {
          jobName,
          parallelism: 2,
          checkpointing: { intervalMs: 50 },
          metrics: {
            prometheus: {
              port: 0,
              host: '127.0.0.1',
              lingerAfterFinishMs: 0,
              pushgateway: { url: gateway.url },
            },
          },
        },
        { logger: silentLogger },
      );
    const reporter = (await job.metricReporters())[0] as PrometheusReporter;
    const result = await job.result;
    expect(reporter.pushedToGateway).toBe(true);
    const text = await gateway.metrics();
    const mine = (name: string) =>
      samples(text, name).filter(
        (s) => s.labels.includes(`job_name="${jobName}"`) && s.labels.includes('job="tributary"'),
      );
    const sum = (name: string) => mine(name).reduce((total, s) => total + s.value, 0);
    expect(sum('tributary_numRecordsIn_total')).toBe(records);
    expect(sum('tributary_numRecordsSend_total')).toBe(records);
    expect(sum('tributary_numberOfCompletedCheckpoints_total')).toBe(result.completedCheckpoints);
    expect(
      mine('tributary_numRecordsIn_total').every((s) => s.labels.includes(`tributary_job="${jobName}"`)),
    ).toBe(true);
  });
});
