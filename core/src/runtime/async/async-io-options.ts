import { z } from 'zod';
import { defineOptions } from '../../config/options.js';
import type { VersionedSerializer } from '../../serialization/versioned-serializer.js';

/** What an async function gets besides the input. */
export interface AsyncCallContext {
  /**
   * Aborted when the attempt timed out or the job stops: pass it to `fetch`, drivers, etc. With
   * `timeoutMs`, calls started together share it (and their deadline): it aborts when the deadline
   * passes with any of them still running.
   */
  readonly signal: AbortSignal;
  /** 1 for the first attempt, +1 per retry. */
  readonly attempt: number;
  readonly subtaskId: number;
}

/** The per-record function of `mapAsync`: a lookup, an HTTP call, a query. */
export type AsyncFunction<T, R> = (value: T, ctx: AsyncCallContext) => Promise<R>;

const retrySchema = z.strictObject({
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .default(3)
    .describe(
      'With `retry` set: attempts per record including the first, with exponential backoff and jitter (core `retry`); then the job fails over. Without `retry`: one attempt.',
    ),
  initialDelayMs: z.number().int().min(0).default(100).describe('Backoff before the first retry.'),
  maxDelayMs: z.number().int().min(0).default(10_000).describe('Upper bound of one backoff delay.'),
  multiplier: z.number().min(1).default(2).describe('Backoff growth per attempt.'),
  isRetriable: z
    .custom<(error: unknown) => boolean>((v) => typeof v === 'function', 'must be a function')
    .optional()
    .describe(
      'Which errors are worth a retry; default: timeouts and errors marked retriable (TributaryError.retriable, transient I/O codes such as ECONNRESET).',
    ),
});

export const asyncIoOptions = defineOptions(
  'mapAsync',
  z.strictObject({
    name: z.string().min(1).default('mapAsync').describe('Operator name (metrics label `operator`, errors).'),
    capacity: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe(
        'Most records in the stage per subtask: calls in flight plus results waiting for their turn. When full, the reader waits (backpressure).',
      ),
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Time limit of one call; its signal is aborted and the call counts as a retriable failure. Default: none.',
      ),
    ordered: z
      .boolean()
      .default(true)
      .describe('true: results in input order. false: in completion order (never across a watermark).'),
    retry: retrySchema.optional(),
    inputSerializer: z
      .custom<VersionedSerializer<unknown>>(
        (v) =>
          typeof v === 'object' &&
          v !== null &&
          typeof (v as VersionedSerializer<unknown>).serialize === 'function',
        'must be a VersionedSerializer',
      )
      .optional()
      .describe('Serializes inputs in flight into checkpoints. Default: JSON (inputs must be JSON values).'),
  }),
);

export type AsyncIoOptionsInput = z.input<typeof asyncIoOptions.schema>;
export type AsyncIoOptions = z.output<typeof asyncIoOptions.schema>;
