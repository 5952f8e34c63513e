import { describeOptions, MetricRegistry, SourceReaderMetricGroup } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import type { ConsoleReporter } from './console-reporter.js';
import { createReporters, MetricsConfigOptions } from './create-reporters.js';
import type { OtlpReporter } from './otlp-reporter.js';
import { PrometheusReporter } from './prometheus-reporter.js';

describe('createReporters', () => {
  it('builds one reporter per configured block, with defaults', async () => {
    const reports: string[] = [];
    const reporters = createReporters(
      { prometheus: { port: 0, host: '127.0.0.1' }, otlp: {}, console: { format: 'json' } },
      { write: (r) => reports.push(r) },
    );
    expect(reporters.map((r) => r.name)).toEqual(['prometheus', 'otlp', 'console']);
    expect(reporters[0]).toBeInstanceOf(PrometheusReporter);
    expect((reporters[1] as OtlpReporter).options.url).toBe('http://localhost:4318/v1/metrics');
    expect((reporters[2] as ConsoleReporter).options.format).toBe('json');

    // The runtime's lifecycle: start all, stop all.
    const registry = new MetricRegistry();
    new SourceReaderMetricGroup(registry, { job: 'j', subtask: '0' }).numRecordsIn.inc(3);
    const [prometheus, , console] = reporters as [PrometheusReporter, OtlpReporter, ConsoleReporter];
    await prometheus.start(registry);
    await console.start(registry);
    try {
      expect(await (await fetch(prometheus.url)).text()).toContain(
        'tributary_numRecordsIn_total{job_name="j",subtask="0"} 3',
      );
    } finally {
      await prometheus.stop();
      await console.stop();
    }
    expect(JSON.parse(reports[0] ?? '{}').metrics).toContainEqual(
      expect.objectContaining({ name: 'numRecordsIn', value: 3 }),
    );
  });

  it('returns no reporters for an empty config and names bad keys', () => {
    expect(createReporters({})).toEqual([]);
    expect(() => createReporters({ prometheus: { port: -1 } })).toThrow(/metrics\.prometheus\.port/);
    expect(() => createReporters({ graphite: {} } as never)).toThrow(/unknown option/);
  });

  it('documents nested keys for the docs tables', () => {
    const keys = describeOptions(MetricsConfigOptions).map((row) => row.key);
    expect(keys).toContain('prometheus.port');
    expect(keys).toContain('otlp.headers');
    expect(keys).toContain('console.format');
  });
});
