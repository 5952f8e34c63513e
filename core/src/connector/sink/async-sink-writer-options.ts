import { z } from 'zod';
import { defineOptions } from '../../config/options.js';

/**
 * The keys of {@link AsyncSinkWriterOptions}, exported as a zod shape so that a connector can embed
 * them in its own schema with its own defaults (Kinesis: 500 records / 5 MiB per PutRecords):
 *
 * ```ts
 * z.strictObject({ ...asyncSinkWriterOptionsShape, maxBatchSize: z.number().int().min(1).max(500).default(500), region: ... })
 *   .superRefine(asyncSinkWriterOptionsRules)
 * ```
 */
export const asyncSinkWriterOptionsShape = {
  maxBatchSize: z
    .number()
    .int()
    .min(1)
    .default(500)
    .describe('Most entries sent in one request (the AIMD rate limiter may send fewer under throttling).'),
  maxBatchSizeInBytes: z
    .number()
    .int()
    .min(1)
    .default(5 * 1024 * 1024)
    .describe(
      'Most bytes (sum of getSizeInBytes) sent in one request; a full batch by bytes is sent at once.',
    ),
  maxRecordSizeInBytes: z
    .number()
    .int()
    .min(1)
    .default(1024 * 1024)
    .describe(
      'Largest single entry; a larger record fails write with TRIB_RECORD_TOO_LARGE or goes to the dead-letter handler.',
    ),
  maxBufferedRequests: z
    .number()
    .int()
    .min(2)
    .default(10_000)
    .describe('Entries buffered (unsent + awaiting retry) before write waits for requests to complete.'),
  maxInFlightRequests: z
    .number()
    .int()
    .min(1)
    .default(50)
    .describe('Requests sent concurrently. Use 1 when per-key order must survive retries.'),
  maxTimeInBufferMs: z
    .number()
    .int()
    .min(1)
    .default(5_000)
    .describe('Longest an entry waits in a partial batch before it is sent anyway.'),
  maxRetriesPerEntry: z
    .number()
    .int()
    .min(0)
    .default(100)
    .describe(
      'Times one entry is re-sent after failing; then it goes to the dead-letter handler, or the writer fails with TRIB_RETRIES_EXHAUSTED.',
    ),
  retryInitialDelayMs: z
    .number()
    .int()
    .min(0)
    .default(100)
    .describe('Pause before sending again after a request had failed entries.'),
  retryMaxDelayMs: z
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe('Cap of the retry pause, which grows with consecutive failing requests.'),
  retryBackoffMultiplier: z
    .number()
    .min(1)
    .default(2)
    .describe('Growth of the retry pause per consecutive failing request.'),
  retryJitter: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe(
      'Random share of the retry pause (0 = none, 1 = full jitter), so writers do not retry in lockstep.',
    ),
};

/** The parsed option values (defaults applied); Flink's `AsyncSinkWriterConfiguration`. */
export type AsyncSinkWriterConfiguration = z.output<z.ZodObject<typeof asyncSinkWriterOptionsShape>>;

/**
 * Cross-field rules, exported so that connector schemas built from
 * {@link asyncSinkWriterOptionsShape} keep them. Each issue is reported on the key to change.
 */
export function asyncSinkWriterOptionsRules(value: AsyncSinkWriterConfiguration, ctx: z.RefinementCtx): void {
  if (value.maxBufferedRequests <= value.maxBatchSize) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxBufferedRequests'],
      message: `must be greater than maxBatchSize (${value.maxBatchSize}), so a full batch can be buffered while another fills; raise maxBufferedRequests or lower maxBatchSize`,
    });
  }
  if (value.maxRecordSizeInBytes > value.maxBatchSizeInBytes) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxRecordSizeInBytes'],
      message: `must be at most maxBatchSizeInBytes (${value.maxBatchSizeInBytes}), or an accepted record could never fit in a request; lower maxRecordSizeInBytes or raise maxBatchSizeInBytes`,
    });
  }
  if (value.retryMaxDelayMs < value.retryInitialDelayMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['retryMaxDelayMs'],
      message: `must be at least retryInitialDelayMs (${value.retryInitialDelayMs})`,
    });
  }
}

/**
 * Options of every {@link AsyncSinkWriter}: batching by count, bytes and time, buffering and
 * in-flight limits (backpressure), and the backoff of failed entries. `parse` validates at
 * construction; errors name the key (`asyncSinkWriter.maxBufferedRequests: must be greater ...`).
 *
 * Not strict on purpose, like `SourceReaderBaseOptions`: a connector passes its whole,
 * already validated options object (which also carries its own keys such as `streamName`); the
 * keys of other components are ignored here. Typos are caught by the connector's strict schema
 * that spreads {@link asyncSinkWriterOptionsShape}.
 */
export const AsyncSinkWriterOptions = defineOptions(
  'asyncSinkWriter',
  z.object(asyncSinkWriterOptionsShape).superRefine(asyncSinkWriterOptionsRules),
);

/** What a user may pass (every key optional, defaults applied by `AsyncSinkWriterOptions.parse`). */
export type AsyncSinkWriterOptionsInput = z.input<typeof AsyncSinkWriterOptions.schema>;
