import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CollectionSource } from '../builtins/collection/collection-source.js';
import { DiscardingSink } from '../builtins/sinks/discarding-sink.js';
import { CoreErrorCodes } from '../errors/error-codes.js';
import { hasErrorCode, TributaryError } from '../errors/tributary-error.js';
import { silentLogger } from '../logging/logger.js';
import { MetricRegistry } from '../metrics/metric-registry.js';
import type { MetricReporter } from '../metrics/metric-reporter.js';
import { loadMetricReporters } from './metric-reporters-loader.js';
import { Pipeline } from './pipeline.js';

function notFound(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
}

describe('loadMetricReporters', () => {
  it('fails with TRIB_METRICS_UNAVAILABLE and an install hint when @tributary/metrics is not installed', async () => {
    const error = await loadMetricReporters({ prometheus: {} }, silentLogger, async (s) => {
      throw notFound(s);
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as TributaryError).code).toBe(CoreErrorCodes.METRICS_UNAVAILABLE);
    expect((error as TributaryError).retriable).toBe(false);
    expect((error as Error).message).toContain('npm install @tributary/metrics');
    expect((error as TributaryError).context).toMatchObject({ key: 'metrics' });
  });

  it('names a module without createReporters as a version mismatch', async () => {
    const error = await loadMetricReporters({}, silentLogger, async () => ({})).catch((e: unknown) => e);
    expect((error as TributaryError).code).toBe(CoreErrorCodes.METRICS_UNAVAILABLE);
    expect((error as Error).message).toContain('does not export createReporters');
  });

  it('hands the configuration and the job logger to createReporters', async () => {
    const calls: unknown[][] = [];
    const reporter: MetricReporter = { name: 'fake', start: async () => {}, stop: async () => {} };
    const reporters = await loadMetricReporters({ console: {} }, silentLogger, async (specifier) => {
      expect(specifier).toBe('@tributary/metrics');
      return {
        createReporters: (...args: unknown[]) => {
          calls.push(args);
          return [reporter];
        },
      };
    });
    expect(reporters).toEqual([reporter]);
    expect(calls).toEqual([[{ console: {} }, { logger: silentLogger }]]);
  });
});

describe('job reporters and process metrics', () => {
  it('starts environment reporters, exposes them, and keeps job metrics after removing the process gauges', async () => {
    const events: string[] = [];
    const seen: string[] = [];
    const reporter: MetricReporter = {
      name: 'recording',
      start: async (registry) => {
        events.push('start');
        seen.push(...registry.metrics().map((m) => m.name));
      },
      stop: async () => {
        events.push('stop');
      },
    };
    const registry = new MetricRegistry();
    const client = Pipeline.from(new CollectionSource([1, 2, 3]))
      .sinkTo(new DiscardingSink<number>())
      .start(
        { jobName: 'small' },
        { logger: silentLogger, metricRegistry: registry, metricReporters: [reporter] },
      );
    expect(await client.metricReporters()).toEqual([reporter]);
    expect(seen).toEqual(
      expect.arrayContaining(['eventLoopLagMs', 'heapUsedBytes', 'numberOfCompletedCheckpoints']),
    );
    expect(registry.find('heapUsedBytes', { job: 'small' })?.labels).toEqual({
      job: 'small',
      scope: 'process',
    });

    await client.result;
    expect(events).toEqual(['start', 'stop']);
    expect(registry.find('heapUsedBytes')).toBeUndefined();
    expect(registry.find('numRecordsSend', { job: 'small' })?.read()).toBe(3);
  });

  it('rejects metricReporters() and fails the job when a reporter cannot start', async () => {
    const boom = new Error('port taken');
    const client = Pipeline.from(new CollectionSource([1]))
      .sinkTo(new DiscardingSink<number>())
      .start(
        {},
        {
          logger: silentLogger,
          metricReporters: [{ name: 'broken', start: () => Promise.reject(boom), stop: async () => {} }],
        },
      );
    // Asked before any attempt exists: rejected when the job fails instead of waiting forever.
    const savepoint = client.triggerSavepoint(join(tmpdir(), 'never'));
    await expect(client.metricReporters()).rejects.toBe(boom);
    await expect(client.result).rejects.toBe(boom);
    await expect(savepoint).rejects.toSatisfy((e: unknown) =>
      hasErrorCode(e, CoreErrorCodes.CHECKPOINT_FAILED),
    );
  });
});
