import { z } from 'zod';
import { defineOptions } from '../../config/options.js';

const isFunction = (value: unknown): boolean => typeof value === 'function';

/** The options schema of {@link DataGeneratorSource} (docs tables are generated from it). */
export const dataGeneratorSourceOptions = defineOptions(
  'datagen.source',
  z
    .object({
      generator: z
        .custom<(index: number) => unknown>(isFunction, {
          message: 'must be a function (index: number) => record',
        })
        .meta({ type: '(index) => T' })
        .describe(
          'Builds the record with the given index. Must be deterministic (same index, same record): a restore regenerates records from their index.',
        ),
      count: z
        .number()
        .int()
        .min(0)
        .max(Number.MAX_SAFE_INTEGER)
        .optional()
        .describe('Records to generate; the source is bounded when set. Unset: unbounded.'),
      startIndex: z
        .number()
        .int()
        .min(0)
        .max(Number.MAX_SAFE_INTEGER)
        .default(0)
        .describe('Index of the first record (e.g. a previous source end position in a hybrid source).'),
      recordsPerSecond: z
        .number()
        .positive()
        .optional()
        .describe(
          'Rate limit in records per second for the whole source, divided evenly among readers. Unset: unlimited.',
        ),
      numSplits: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('Number of splits. Unset: the source parallelism (one split per reader).'),
      timestamp: z
        .custom<(index: number) => number>(isFunction, {
          message: 'must be a function (index: number) => epoch ms',
        })
        .optional()
        .meta({ type: '(index) => number' })
        .describe(
          'Event time (ms since the epoch) of the record with the given index. Unset: records carry no timestamp.',
        ),
      maxRecordsPerPoll: z
        .number()
        .int()
        .min(1)
        .default(1000)
        .describe('Most records one reader emits per poll (the batch size).'),
    })
    .strict(),
);

/** Options of a {@link DataGeneratorSource} producing records of type `T`. */
export interface DataGeneratorOptions<T> {
  /** Builds the record with the given index; must be deterministic (same index, same record). */
  readonly generator: (index: number) => T;
  /** Records to generate (bounded). Unset: unbounded. */
  readonly count?: number;
  /** Index of the first record. Default 0. */
  readonly startIndex?: number;
  /** Rate limit for the whole source in records/s, divided evenly among readers. */
  readonly recordsPerSecond?: number;
  /** Number of splits; default the source parallelism. */
  readonly numSplits?: number;
  /** Event time (ms since the epoch) of the record with the given index. */
  readonly timestamp?: (index: number) => number;
  /** Most records one reader emits per poll. Default 1000. */
  readonly maxRecordsPerPoll?: number;
}
