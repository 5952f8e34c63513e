import { MetricRegistry, SinkWriterMetricGroup, SourceReaderMetricGroup } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { type ConsoleReportEntry, consoleReporter } from './console-reporter.js';
import { MetricsErrorCodes } from './metrics-errors.js';
import { recordingLogger } from './testing-fixtures/recording-logger.js';

const labels = (subtask: number) => ({ job: 'orders', operator: 'src', subtask: String(subtask) });

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function registryWithData(): { registry: MetricRegistry; source: SourceReaderMetricGroup } {
  const registry = new MetricRegistry();
  const source = new SourceReaderMetricGroup(registry, labels(0));
  source.numRecordsIn.inc(120);
  const sink = new SinkWriterMetricGroup(registry, { job: 'orders', operator: 'sink', subtask: '0' });
  sink.numRecordsSend.inc(118);
  sink.recordSendTime(12.3456);
  return { registry, source };
}

describe('consoleReporter', () => {
  it('writes sorted, aligned text lines with rates, and a last report on stop', async () => {
    const { registry, source } = registryWithData();
    const reports: string[] = [];
    const reporter = consoleReporter({ intervalMs: 3_600_000, write: (r) => reports.push(r) });
    await reporter.start(registry);
    const t0 = Date.now() + 60_000;
    registry.tick(t0);
    source.numRecordsIn.inc(30);
    registry.tick(t0 + 2_000);
    await reporter.stop();
    await reporter.stop();

    expect(reports).toHaveLength(1);
    const lines = (reports[0] ?? '').split('\n');
    expect(lines[0]).toMatch(/^# tributary metrics \d{4}-\d\d-\d\dT/);
    const body = lines.slice(1);
    expect(body.map((l) => l.split(/[{ ]/, 1)[0])).toEqual(
      [...body.map((l) => l.split(/[{ ]/, 1)[0])].sort(),
    );
    expect(body.find((l) => l.startsWith('numRecordsIn{'))).toMatch(
      /^numRecordsIn\{job="orders",operator="src",subtask="0"\} +150 {2}\(15\/s\)$/,
    );
    expect(body.find((l) => l.startsWith('currentSendTime'))).toMatch(/ 12\.346$/);
    // Undefined gauges are left out by default.
    expect(body.some((l) => l.startsWith('currentEmitEventTimeLag'))).toBe(false);
    // Every value column starts at the same offset.
    expect(new Set(body.map((l) => l.search(/ {2}\S/))).size).toBe(1);
  });

  it('writes one JSON object per report', async () => {
    const { registry } = registryWithData();
    const reports: string[] = [];
    const reporter = consoleReporter({
      intervalMs: 20,
      format: 'json',
      includeUndefined: true,
      includeRates: false,
      write: (r) => reports.push(r),
    });
    await reporter.start(registry);
    await until(() => reports.length >= 2);
    await reporter.stop();
    const report = JSON.parse(reports[0] ?? '') as { time: string; metrics: ConsoleReportEntry[] };
    expect(Number.isNaN(Date.parse(report.time))).toBe(false);
    expect(report.metrics.find((m) => m.name === 'numRecordsSend')).toEqual({
      name: 'numRecordsSend',
      kind: 'counter',
      labels: { job: 'orders', operator: 'sink', subtask: '0' },
      value: 118,
    });
    expect(report.metrics.find((m) => m.name === 'currentEmitEventTimeLag')?.value).toBeNull();
  });

  it('survives a failing write, warning once per failure streak', async () => {
    const { registry } = registryWithData();
    const logger = recordingLogger();
    let calls = 0;
    const reporter = consoleReporter({
      intervalMs: 10,
      write: () => {
        calls++;
        throw new Error('EPIPE');
      },
      logger,
    });
    await reporter.start(registry);
    await until(() => calls >= 3);
    await reporter.stop();
    expect(logger.entries.filter((e) => e.level === 'warn')).toHaveLength(1);
    await expect(reporter.start(registry)).resolves.toBeUndefined();
    await expect(reporter.start(registry)).rejects.toMatchObject({ code: MetricsErrorCodes.REPORTER_STATE });
    await reporter.stop();
  });

  it('rejects unknown formats naming the key', () => {
    expect(() => consoleReporter({ format: 'yaml' as never })).toThrow(/metrics\.console\.format/);
  });
});
