import { defineOptions, type FileFormat } from '@tributary/core';
import { z } from 'zod';
import type { BucketAssigner } from './bucket-assigners.js';

const MiB = 1024 * 1024;
const safeNamePart = /^[A-Za-z0-9._=-]*$/;

/** Options of {@link FileSink} (the serializable part; objects go into {@link FileSinkConfig}). */
export const FileSinkOptions = defineOptions(
  'files.sink',
  z
    .object({
      deliveryGuarantee: z
        .enum(['exactly-once', 'at-least-once', 'none'])
        .default('exactly-once')
        .describe(
          'exactly-once: hidden part files are published by the committer after the checkpoint completes. at-least-once: published by the writer at every checkpoint. none: published only when a file rolls or the input ends.',
        ),
      maxPartSizeBytes: z
        .number()
        .int()
        .min(1)
        .default(128 * MiB)
        .describe('Roll the part file once it reached this size (checked after each batch).'),
      rolloverIntervalMs: z
        .number()
        .int()
        .min(1)
        .default(60_000)
        .describe('Roll a part file that has been open this long (checked on writes and checkpoints).'),
      inactivityIntervalMs: z
        .number()
        .int()
        .min(1)
        .default(60_000)
        .describe(
          'Roll a part file that received no record for this long (checked on writes and checkpoints).',
        ),
      partPrefix: z
        .string()
        .min(1)
        .regex(/^[A-Za-z0-9][A-Za-z0-9._=-]*$/, 'use letters, digits and . _ = - (not starting with . or _)')
        .default('part')
        .describe(
          'First part of committed file names: <partPrefix>-<runId>-<subtask>-<counter><partSuffix><extension>.',
        ),
      partSuffix: z
        .string()
        .regex(safeNamePart, 'use letters, digits and . _ = -')
        .default('')
        .describe('Inserted before the format extension in committed file names.'),
      cleanupOrphanFiles: z
        .boolean()
        .default(true)
        .describe(
          "On writer start, delete this job's hidden part files of the same subtask left by earlier attempts (never other jobs' files).",
        ),
      successMarker: z
        .object({
          enabled: z
            .boolean()
            .default(false)
            .describe(
              'Write a marker file into a bucket once it is complete (end of input, or a time bucket whose range passed).',
            ),
          fileName: z
            .string()
            .min(1)
            .regex(/^[^/\\]+$/, 'a file name, not a path')
            .default('_SUCCESS')
            .describe('Name of the marker file.'),
          delayMs: z
            .number()
            .int()
            .min(0)
            .default(0)
            .describe(
              'Time buckets: wait this long after the range ended (processing time or watermark) before marking.',
            ),
        })
        .strict()
        .default({ enabled: false, fileName: '_SUCCESS', delayMs: 0 }),
      compaction: z
        .object({
          enabled: z
            .boolean()
            .default(false)
            .describe(
              'Merge the small part files a commit publishes into larger files, per bucket, before they become visible.',
            ),
          smallFileSizeBytes: z
            .number()
            .int()
            .min(1)
            .default(16 * MiB)
            .describe('Part files smaller than this are candidates for merging.'),
          targetFileSizeBytes: z
            .number()
            .int()
            .min(1)
            .default(128 * MiB)
            .describe('Merged files stop growing at about this size.'),
          minFiles: z
            .number()
            .int()
            .min(2)
            .default(2)
            .describe('Merge only groups of at least this many small files.'),
        })
        .strict()
        .default({
          enabled: false,
          smallFileSizeBytes: 16 * MiB,
          targetFileSizeBytes: 128 * MiB,
          minFiles: 2,
        }),
    })
    .strict(),
);

/** Validated sink options with defaults applied. */
export type ResolvedFileSinkOptions = z.output<typeof FileSinkOptions.schema>;
/** Sink options as the user writes them. */
export type FileSinkOptionsInput = z.input<typeof FileSinkOptions.schema>;

/** Everything {@link FileSink.forFormat} accepts: the options plus the objects that are not options. */
export interface FileSinkConfig<T> extends FileSinkOptionsInput {
  /** Which directory under the base path a record goes to. Default: `BucketAssigners.dateTime()` (hourly, UTC). */
  readonly bucketAssigner?: BucketAssigner<T>;
  /**
   * For compaction: a reader format matching the writer format, so small files are merged by
   * re-encoding their records (needed for bulk formats such as Parquet and for formats with headers).
   * Without it, row formats are merged by byte concatenation.
   */
  readonly compactionFormat?: FileFormat<T>;
}
