import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineOptions, InvalidOptionsError } from '../../config/options.js';
import {
  AsyncSinkWriterOptions,
  asyncSinkWriterOptionsRules,
  asyncSinkWriterOptionsShape,
} from './async-sink-writer-options.js';
import { MockAsyncSinkWriter } from './testing-fixtures/mock-async-sink-writer.js';

function issuesOf(input: unknown): { key: string; message: string }[] {
  try {
    AsyncSinkWriterOptions.parse(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionsError);
    return [...(error as InvalidOptionsError).issues];
  }
  throw new Error('expected the options to be rejected');
}

describe('AsyncSinkWriterOptions', () => {
  it('applies the defaults', () => {
    expect(AsyncSinkWriterOptions.parse({})).toEqual({
      maxBatchSize: 500,
      maxBatchSizeInBytes: 5 * 1024 * 1024,
      maxRecordSizeInBytes: 1024 * 1024,
      maxBufferedRequests: 10_000,
      maxInFlightRequests: 50,
      maxTimeInBufferMs: 5_000,
      maxRetriesPerEntry: 100,
      retryInitialDelayMs: 100,
      retryMaxDelayMs: 10_000,
      retryBackoffMultiplier: 2,
      retryJitter: 0.5,
    });
  });

  it('names the key of a bad value', () => {
    const issues = issuesOf({ maxBatchSize: 0, maxTimeInBufferMs: 1.5 });
    expect(issues.map((i) => i.key).sort()).toEqual([
      'asyncSinkWriter.maxBatchSize',
      'asyncSinkWriter.maxTimeInBufferMs',
    ]);
  });

  it("accepts a connector's whole options object, validating only its own keys (like SourceReaderBaseOptions)", () => {
    const connectorConfig = { streamName: 'orders', region: 'eu-west-1', maxBatchSize: 200 };
    const parsed = AsyncSinkWriterOptions.parse(connectorConfig);
    expect(parsed.maxBatchSize).toBe(200);
    expect(parsed).not.toHaveProperty('streamName');
    expect(() => new MockAsyncSinkWriter({ options: connectorConfig })).not.toThrow();
    // Its own keys are still checked.
    expect(issuesOf({ streamName: 'orders', maxBatchSize: 0 }).map((i) => i.key)).toEqual([
      'asyncSinkWriter.maxBatchSize',
    ]);
  });

  it('requires maxBufferedRequests > maxBatchSize, on the maxBufferedRequests key', () => {
    const issues = issuesOf({ maxBatchSize: 100, maxBufferedRequests: 100 });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.key).toBe('asyncSinkWriter.maxBufferedRequests');
    expect(issues[0]?.message).toContain('maxBatchSize (100)');
  });

  it('requires maxRecordSizeInBytes <= maxBatchSizeInBytes, on the maxRecordSizeInBytes key', () => {
    const issues = issuesOf({ maxBatchSizeInBytes: 1000, maxRecordSizeInBytes: 1001 });
    expect(issues.map((i) => i.key)).toEqual(['asyncSinkWriter.maxRecordSizeInBytes']);
    expect(issues[0]?.message).toContain('maxBatchSizeInBytes (1000)');
    expect(
      AsyncSinkWriterOptions.parse({ maxBatchSizeInBytes: 1000, maxRecordSizeInBytes: 1000 }),
    ).toMatchObject({
      maxRecordSizeInBytes: 1000,
    });
  });

  it('requires retryMaxDelayMs >= retryInitialDelayMs', () => {
    const issues = issuesOf({ retryInitialDelayMs: 500, retryMaxDelayMs: 100 });
    expect(issues.map((i) => i.key)).toEqual(['asyncSinkWriter.retryMaxDelayMs']);
  });

  it('is validated when a writer is constructed', () => {
    expect(() => new MockAsyncSinkWriter({ options: { maxBatchSize: 10, maxBufferedRequests: 5 } })).toThrow(
      /asyncSinkWriter\.maxBufferedRequests: must be greater than maxBatchSize \(10\)/,
    );
  });

  it('composes into a connector schema with its own defaults, keeping the cross-field rules', () => {
    const KinesisSinkOptions = defineOptions(
      'kinesis.sink',
      z
        .strictObject({
          ...asyncSinkWriterOptionsShape,
          maxBatchSize: z
            .number()
            .int()
            .min(1)
            .max(500)
            .default(500)
            .describe('Records per PutRecords call.'),
          streamName: z.string().min(1).describe('Target stream.'),
        })
        .superRefine(asyncSinkWriterOptionsRules),
    );
    expect(KinesisSinkOptions.parse({ streamName: 's' })).toMatchObject({
      maxBatchSize: 500,
      streamName: 's',
    });
    expect(() => KinesisSinkOptions.parse({ streamName: 's', maxBufferedRequests: 400 })).toThrow(
      /kinesis\.sink\.maxBufferedRequests: must be greater than maxBatchSize \(500\)/,
    );
    expect(() => KinesisSinkOptions.parse({ streamName: 's', maxBatchSize: 501 })).toThrow(
      /kinesis\.sink\.maxBatchSize/,
    );
    // Typos are the connector's strict schema's job.
    expect(() => KinesisSinkOptions.parse({ streamName: 's', maxBatchSzie: 10 })).toThrow(/'maxBatchSzie'/);
  });
});
