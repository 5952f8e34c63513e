import {
  asyncSinkWriterOptionsRules,
  asyncSinkWriterOptionsShape,
  defineOptions,
  sourceReaderBaseOptionsShape,
} from '@tributary/core';
import { z } from 'zod';

/**
 * The connector's options, one schema per component: types are inferred from the schemas,
 * defaults and descriptions sit beside each key (docs tables are generated from them with
 * `describeOptions`), and a bad value fails when the job is built, naming the key.
 */
export const PartitionSourceOptions = defineOptions(
  'partitions.source',
  z.strictObject({
    directory: z.string().min(1).describe('The directory of `*.jsonl` partitions to read.'),
    maxLinesPerFetch: z.number().int().min(1).default(20).describe('Lines one fetch reads at most.'),
    monitorIntervalMs: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Unset: bounded, each partition read up to its size when the job first listed it. Set: unbounded, the directory is listed this often and every partition is followed as it grows.',
      ),
    ...sourceReaderBaseOptionsShape,
  }),
);
export type PartitionSourceOptionsInput = z.input<typeof PartitionSourceOptions.schema>;

export const PartitionSinkOptions = defineOptions(
  'partitions.sink',
  z.strictObject({
    directory: z.string().min(1).describe('The directory of `*.jsonl` partitions the sink adds to.'),
    deliveryGuarantee: z
      .enum(['exactly-once', 'at-least-once'])
      .default('exactly-once')
      .describe(
        '`exactly-once`: partitions appear when their checkpoint completes; `at-least-once`: on every checkpoint flush.',
      ),
  }),
);
export type PartitionSinkOptionsInput = z.input<typeof PartitionSinkOptions.schema>;

export const PartitionAsyncSinkOptions = defineOptions(
  'partitions.asyncSink',
  z
    .strictObject({
      ...asyncSinkWriterOptionsShape,
      maxBatchSize: z.number().int().min(1).max(1000).default(100).describe('Lines per written file.'),
      directory: z.string().min(1).describe('The directory of `*.jsonl` partitions the sink adds to.'),
    })
    .superRefine(asyncSinkWriterOptionsRules),
);
export type PartitionAsyncSinkOptionsInput = z.input<typeof PartitionAsyncSinkOptions.schema>;
