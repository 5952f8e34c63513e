import { describe, expect, it } from 'vitest';
import { DemoFlagError, parseDemoFlags } from './demo-flags.js';

describe('parseDemoFlags', () => {
  it('applies the defaults and reads valid numbers', () => {
    expect(parseDemoFlags({ records: '1000', files: '4', 'metrics-port': '0' })).toEqual({
      records: 1000,
      files: 4,
      parallelism: 2,
      workers: 'auto',
      checkpointIntervalMs: 1000,
      metricsPort: 0,
      metricsLingerMs: undefined,
      jobName: undefined,
    });
  });

  it('reads --workers as the workers job option', () => {
    expect(parseDemoFlags({ workers: '1' }).workers).toBe(1);
    expect(parseDemoFlags({ workers: 'processes:2' }).workers).toEqual({ processes: 2 });
  });

  it.each([
    [{ records: 'abc' }, "--records: expected a whole number, got 'abc'"],
    [{ records: '1.5' }, "--records: expected a whole number, got '1.5'"],
    [{ parallelism: '0' }, '--parallelism: expected a number from 1 to 1024, got 0'],
    [{ 'checkpoint-interval-ms': '' }, "--checkpoint-interval-ms: expected a whole number, got ''"],
    [{ 'metrics-port': '70000' }, '--metrics-port: expected a number from 0 to 65535, got 70000'],
    [{ records: '2', files: '3' }, '--files: 3 files need at least as many records (got --records 2)'],
    [{ 'job-name': ' ' }, '--job-name: must not be empty'],
    [{ workers: 'two' }, "--workers: expected auto, a number from 1 to 1024 or processes:<n>, got 'two'"],
    [{ workers: 'processes:0' }, '--workers: expected a number from 1 to 1024, got 0'],
  ])('rejects %j with one line', (values, message) => {
    expect(() => parseDemoFlags(values)).toThrow(new DemoFlagError(message));
  });
});
