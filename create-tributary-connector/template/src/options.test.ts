import { InvalidOptionsError } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { PartitionAsyncSinkOptions, PartitionSinkOptions, PartitionSourceOptions } from './options.js';
import { PartitionAsyncSink } from './partition-async-sink.js';
import { PartitionSource } from './partition-source.js';

describe('options', () => {
  it('applies defaults', () => {
    expect(PartitionSourceOptions.parse({ directory: '/data' })).toMatchObject({
      directory: '/data',
      maxLinesPerFetch: 20,
    });
    expect(PartitionSinkOptions.parse({ directory: '/out' }).deliveryGuarantee).toBe('exactly-once');
    expect(PartitionAsyncSinkOptions.parse({ directory: '/out' }).maxBatchSize).toBe(100);
  });

  it('names the bad key when the job is built', () => {
    expect(() => new PartitionSource({ directory: '/data', maxLinesPerFetch: 0 })).toThrow(
      /partitions\.source\.maxLinesPerFetch/,
    );
    expect(() => new PartitionAsyncSink({ directory: '' })).toThrow(InvalidOptionsError);
  });

  it('rejects unknown keys (typos)', () => {
    expect(() =>
      PartitionSinkOptions.parse({ directory: '/out', deliveryGuarante: 'at-least-once' }),
    ).toThrow(/unknown option\(s\) 'deliveryGuarante'/);
  });

  it('keeps the async sink base rules', () => {
    expect(() => PartitionAsyncSinkOptions.parse({ directory: '/out', maxBufferedRequests: 10 })).toThrow(
      /maxBufferedRequests/,
    );
  });
});
