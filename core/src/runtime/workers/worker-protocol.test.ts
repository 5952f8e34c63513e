import { describe, expect, it } from 'vitest';
import { TributaryError } from '../../errors/tributary-error.js';
import { createJsonLogger } from '../../logging/logger.js';
import { MetricGroup } from '../../metrics/metric-groups.js';
import { MetricRegistry } from '../../metrics/metric-registry.js';
import { forwardingLogger, writeForwardedLog } from './forwarding-logger.js';
import { MetricMirror, sampleMetrics } from './metric-mirror.js';
import { deserializeError, serializeError, type WorkerToMain } from './worker-protocol.js';

describe('errors across the worker boundary', () => {
  it('a TributaryError keeps its code, context and stack', () => {
    const original = new TributaryError('TRIB_X', 'bad record', { context: { field: 'price' } });
    const copy = deserializeError(structuredClone(serializeError(original)));
    expect(copy).toBeInstanceOf(TributaryError);
    expect(copy).toMatchObject({ code: 'TRIB_X', message: 'bad record', context: { field: 'price' } });
    expect(copy.stack).toBe(original.stack);
  });

  it('a plain error keeps its name, message and code; a non-error becomes an Error', () => {
    const original = Object.assign(new RangeError('out of range'), { code: 'ERR_X' });
    expect(deserializeError(serializeError(original))).toMatchObject({
      name: 'RangeError',
      message: 'out of range',
      code: 'ERR_X',
    });
    expect(deserializeError(serializeError('boom')).message).toBe('boom');
  });
});

describe('worker logs', () => {
  it('reach the job logger with their bindings (the subtask), redacted there', () => {
    const posted: WorkerToMain[] = [];
    const workerLogger = forwardingLogger((m) => posted.push(structuredClone(m))).child({ subtask: 3 });
    workerLogger.warn({ err: new Error('slow'), password: 'hunter2' }, 'write retried');
    workerLogger.debug('below the level');
    const lines: Record<string, unknown>[] = [];
    const jobLogger = createJsonLogger({ level: 'info', write: (l) => lines.push(JSON.parse(l)) }).child({
      job: 'j',
    });
    for (const m of posted) if (m.type === 'log') writeForwardedLog(jobLogger, m);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      job: 'j',
      subtask: 3,
      msg: 'write retried',
      password: '[redacted]',
      err: { message: 'slow' },
    });
  });
});

describe('worker metrics', () => {
  it('are mirrored into the main registry under their own names and labels, with the latest values', () => {
    const workerRegistry = new MetricRegistry();
    const group = new MetricGroup(workerRegistry, { job: 'j', operator: 'src', subtask: '1' });
    const records = group.counter('numRecordsIn');
    let lag: number | undefined;
    group.gauge('pendingRecords', () => lag);
    const main = new MetricRegistry();
    const mirror = new MetricMirror(main);
    records.inc(5);
    mirror.apply(structuredClone(sampleMetrics(workerRegistry)));
    expect(main.find('numRecordsIn', { subtask: '1' })?.read()).toBe(5);
    expect(main.find('pendingRecords', { operator: 'src' })?.read()).toBeUndefined();
    records.inc(2);
    lag = 40;
    mirror.apply(sampleMetrics(workerRegistry));
    expect(main.sum('numRecordsIn', { job: 'j' })).toBe(7);
    expect(main.find('numRecordsIn')?.kind).toBe('counter');
    expect(main.find('pendingRecords')?.read()).toBe(40);
    expect(main.metrics()).toHaveLength(2);
  });
});
