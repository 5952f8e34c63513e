import { describe, expect, it } from 'vitest';
import {
  hasErrorCode,
  MetricGroup,
  MetricRegistry,
  SinkWriterMetricGroup,
  SourceReaderMetricGroup,
  type TributaryError,
} from '../index.js';
import { assertConnectorMetrics, checkConnectorMetrics } from './connector-metrics-check.js';

const JOB = { job: 'contract', operator: 'fake' } as const;
type Rec = { key: string; eventTime: number };
const records = (n: number): Rec[] =>
  Array.from({ length: n }, (_, i) => ({ key: `k${i}`, eventTime: Date.now() - 1_000 }));

/**
 * A fake source reader behaving like a well-written connector: it uses the standard group, counts
 * records and bytes, records event time and reports its lag. `quirks` break one thing at a time.
 */
function runFakeSource(
  registry: MetricRegistry,
  input: Rec[],
  parallelism: number,
  quirks: { countBytes?: boolean; dropEvery?: number; pending?: boolean } = {},
): void {
  for (let subtask = 0; subtask < parallelism; subtask++) {
    const group = new SourceReaderMetricGroup(registry, { ...JOB, subtask: String(subtask) });
    const mine = input.filter((_, i) => i % parallelism === subtask);
    let emitted = 0;
    for (const record of mine) {
      emitted++;
      if (quirks.dropEvery !== undefined && emitted % quirks.dropEvery === 0) continue;
      group.numRecordsIn.inc();
      if (quirks.countBytes !== false) group.numBytesIn.inc(Buffer.byteLength(JSON.stringify(record)));
      group.lastEmitEventTime = record.eventTime;
      group.lastEmitTime = Date.now();
    }
    if (quirks.pending !== false) group.setPendingRecordsGauge(() => 0);
  }
}

/** A connector that skips the standard group and registers only some metrics by hand. */
function runHandRolledSource(registry: MetricRegistry, input: Rec[]): void {
  const group = new MetricGroup(registry, { ...JOB, subtask: '0' });
  const recordsIn = group.counter('numRecordsIn');
  recordsIn.inc(input.length);
  group.counter('numRecordsInErrors');
  group.gauge('currentEmitEventTimeLag', () => undefined);
  group.gauge('sourceIdleTime', () => 0);
}

function runFakeSink(registry: MetricRegistry, input: Rec[], parallelism: number, sendTimes = true): void {
  for (let subtask = 0; subtask < parallelism; subtask++) {
    const group = new SinkWriterMetricGroup(registry, { ...JOB, subtask: String(subtask) });
    const batch = input.filter((_, i) => i % parallelism === subtask);
    group.numRecordsSend.inc(batch.length);
    group.numBytesSend.inc(batch.reduce((n, r) => n + r.key.length, 0));
    if (sendTimes) group.recordSendTime(3);
  }
}

describe('checkConnectorMetrics', () => {
  it('accepts a conforming source, summing over subtasks and ignoring other operators', () => {
    const registry = new MetricRegistry();
    runFakeSource(registry, records(101), 3);
    new SourceReaderMetricGroup(registry, {
      job: 'contract',
      operator: 'other',
      subtask: '0',
    }).numRecordsIn.inc(5);
    expect(
      checkConnectorMetrics(registry, {
        role: 'source',
        expectedRecords: 101,
        labels: JOB,
        requirePending: true,
        requireEventTime: true,
      }),
    ).toEqual([]);
  });

  it('fails a connector that omits numBytesIn', () => {
    const registry = new MetricRegistry();
    runHandRolledSource(registry, records(10));
    expect(checkConnectorMetrics(registry, { role: 'source', expectedRecords: 10, labels: JOB })).toEqual([
      {
        metric: 'numBytesIn',
        message: expect.stringMatching(/^not registered for labels .*"operator":"fake".*; count the bytes/),
      },
    ]);
  });

  it('fails a source whose bytes stay 0 or whose count disagrees, and reports all problems at once', () => {
    const registry = new MetricRegistry();
    runFakeSource(registry, records(20), 2, { countBytes: false, dropEvery: 5, pending: false });
    const problems = checkConnectorMetrics(registry, {
      role: 'source',
      expectedRecords: 20,
      labels: JOB,
      requirePending: true,
    });
    expect(problems.map((p) => p.metric)).toEqual(['numRecordsIn', 'numBytesIn', 'pendingRecords']);
    expect(problems[0]?.message).toBe('totals 16 over 2 series but 20 records were read');

    const error = (() => {
      try {
        assertConnectorMetrics(registry, {
          role: 'source',
          expectedRecords: 20,
          labels: JOB,
          requirePending: true,
        });
      } catch (e) {
        return e as TributaryError;
      }
      return undefined;
    })();
    expect(hasErrorCode(error, 'TRIB_METRICS_CONFORMANCE')).toBe(true);
    expect(error?.message).toContain('3 problems');
    expect(error?.message).toContain('  - numBytesIn: stays 0 although 20 records were read');
    expect(error?.context.problems).toHaveLength(3);
  });

  it('requires an event-time lag only when asked, and never a negative value', () => {
    const registry = new MetricRegistry();
    const group = new SourceReaderMetricGroup(registry, { ...JOB, subtask: '0' });
    group.numRecordsIn.inc(2);
    group.numBytesIn.inc(20);
    expect(checkConnectorMetrics(registry, { role: 'source', expectedRecords: 2 })).toEqual([]);
    expect(
      checkConnectorMetrics(registry, { role: 'source', expectedRecords: 2, requireEventTime: true }),
    ).toEqual([
      { metric: 'currentEmitEventTimeLag', message: 'has no value although the records carry event time' },
    ]);
    group.setPendingRecordsGauge(() => -3);
    expect(checkConnectorMetrics(registry, { role: 'source', expectedRecords: 2 })).toEqual([
      { metric: 'pendingRecords', message: expect.stringContaining('reports -3') },
    ]);
  });

  it('does not double count a per-partition breakdown of a reader-level counter', () => {
    const registry = new MetricRegistry();
    runFakeSource(registry, records(10), 1);
    const reader = new MetricGroup(registry, { ...JOB, subtask: '0' });
    reader.addGroup('partition', '0').counter('numRecordsIn').inc(6);
    reader.addGroup('partition', '1').counter('numRecordsIn').inc(4);
    expect(checkConnectorMetrics(registry, { role: 'source', expectedRecords: 10, labels: JOB })).toEqual([]);
  });

  it('accepts a conforming sink and fails when counts disagree or metrics are missing', () => {
    const good = new MetricRegistry();
    runFakeSink(good, records(30), 2);
    expect(
      checkConnectorMetrics(good, { role: 'sink', expectedRecords: 30, labels: JOB, expectedSendErrors: 0 }),
    ).toEqual([]);
    expect(checkConnectorMetrics(good, { role: 'sink', expectedRecords: 31, labels: JOB })).toEqual([
      { metric: 'numRecordsSend', message: 'totals 30 over 2 series but 31 records were written' },
    ]);

    const handRolled = new MetricRegistry();
    const group = new MetricGroup(handRolled, { ...JOB, subtask: '0' });
    group.counter('numRecordsSend').inc(30);
    group.counter('numRecordsOut').inc(29);
    const problems = checkConnectorMetrics(handRolled, { role: 'sink', expectedRecords: 30 });
    expect(problems.map((p) => p.metric)).toEqual([
      'numBytesSend',
      'numRecordsSendErrors',
      'currentSendTime',
      'numRecordsOut',
    ]);
    expect(problems.at(-1)?.message).toBe(
      'totals 29 but numRecordsSend totals 30; they must be the same counter',
    );
  });

  it('reports a gauge that throws instead of throwing itself', () => {
    const registry = new MetricRegistry();
    runFakeSink(registry, records(4), 1);
    registry.registerGauge('currentSendTime', { ...JOB, subtask: '1' }, () => {
      throw new Error('client closed');
    });
    expect(checkConnectorMetrics(registry, { role: 'sink', expectedRecords: 4 })).toEqual([
      { metric: 'currentSendTime', message: expect.stringContaining('threw: client closed') },
    ]);
  });

  it('validates its options', () => {
    expect(() =>
      checkConnectorMetrics(new MetricRegistry(), { role: 'both' as never, expectedRecords: 1 }),
    ).toThrow(/metrics\.check\.role/);
    expect(() => checkConnectorMetrics(new MetricRegistry(), { role: 'sink', expectedRecords: -1 })).toThrow(
      /metrics\.check\.expectedRecords/,
    );
  });
});
