import { describe, expect, it } from 'vitest';
import { DemoFlagError, parseDemoFlags } from './demo-flags.js';

describe('parseDemoFlags', () => {
  it('applies the defaults and reads valid numbers', () => {
    expect(parseDemoFlags({ records: '1000', files: '4', 'metrics-port': '0' })).toEqual({
      records: 1000,
      files: 4,
      parallelism: 2,
      checkpointIntervalMs: 1000,
      metricsPort: 0,
      metricsLingerMs: undefined,
      jobName: undefined,
    });
  });

  it.each([
    [{ records: 'abc' }, "--records: expected a whole number, got 'abc'"],
    [{ records: '1.5' }, "--records: expected a whole number, got '1.5'"],
    [{ parallelism: '0' }, '--parallelism: expected a number from 1 to 1024, got 0'],
    [{ 'checkpoint-interval-ms': '' }, "--checkpoint-interval-ms: expected a whole number, got ''"],
    [{ 'metrics-port': '70000' }, '--metrics-port: expected a number from 0 to 65535, got 70000'],
    [{ records: '2', files: '3' }, '--files: 3 files need at least as many records (got --records 2)'],
    [{ 'job-name': ' ' }, '--job-name: must not be empty'],
  ])('rejects %j with one line', (values, message) => {
    expect(() => parseDemoFlags(values)).toThrow(new DemoFlagError(message));
  });
});
