import { z } from 'zod';
import { defineOptions } from '../../config/options.js';

/**
 * The keys of {@link SourceReaderBaseOptions}, for connectors that spread them into their own
 * (strict) options schema: `z.strictObject({ ...sourceReaderBaseOptionsShape, topic: ... })`.
 */
export const sourceReaderBaseOptionsShape = {
  elementQueueCapacity: z
    .number()
    .int()
    .min(1)
    .max(1024)
    .default(2)
    .describe(
      'Fetched batches buffered between the fetch loops and the reader. When full, fetch loops stop calling fetch() until the reader catches up (backpressure reaches the external system). Memory is about (capacity + number of fetch loops) batches.',
    ),
  maxRecordsPerPoll: z
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe(
      'Most records one pollNext() call emits (fetched elements, for emitters that do not count records), so checkpoints, watermarks and messages interleave with a large fetch.',
    ),
  fetcherCloseTimeoutMs: z
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe(
      'How long close() waits for a fetch loop to stop (its pending fetch to return after wakeUp) before closing its split reader anyway.',
    ),
} as const;

/**
 * Options of the source connector base ({@link SourceReaderBase} and its
 * {@link SplitFetcherManager}). Pass the same object to both. The object schema is not strict on
 * purpose: connectors pass their whole, already validated options object, which also carries
 * their own keys; typos are caught by the connector's strict schema that spreads
 * {@link sourceReaderBaseOptionsShape}.
 */
export const SourceReaderBaseOptions = defineOptions('sourceReader', z.object(sourceReaderBaseOptionsShape));

/** What a connector may pass (every key optional). */
export type SourceReaderBaseOptionsInput = z.input<typeof SourceReaderBaseOptions.schema>;

/** The validated options with defaults applied. */
export type SourceReaderBaseConfig = z.output<typeof SourceReaderBaseOptions.schema>;
