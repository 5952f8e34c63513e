import { access, constants } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  defineOptions,
  type FileFormat,
  type ResolvedPluginFormat,
  type TributaryPlugin,
} from '@tributary/core';
import { z } from 'zod';
import { type BucketAssigner, BucketAssigners } from './sink/bucket-assigners.js';
import { FileSink } from './sink/file-sink.js';
import { FileSinkOptions, type FileSinkOptionsInput } from './sink/file-sink-options.js';
import { FileSource } from './source/file-source.js';
import { FileSourceOptions, type FileSourceOptionsInput } from './source/file-source-options.js';

/** `source.options` of a pipeline file: the source's own options plus the paths to read. */
const pipelineSourceOptions = defineOptions(
  FileSourceOptions.component,
  (FileSourceOptions.schema as unknown as z.ZodObject).extend({
    paths: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe('Files or directories to read (relative paths: from the working directory).'),
  }),
);

const bucketsSchema = z
  .union([
    z.strictObject({ type: z.literal('base-path') }),
    z.strictObject({
      type: z.literal('date-time'),
      pattern: z.string().min(1).optional().describe("Java-style pattern, default 'yyyy-MM-dd--HH'."),
      timeZone: z.string().min(1).optional().describe('UTC (default), +02:00 or an IANA zone.'),
    }),
    z.strictObject({
      type: z.literal('field'),
      field: z.string().min(1).describe('Record field (dotted path) whose value names the bucket.'),
    }),
  ])
  .default({ type: 'base-path' })
  .describe(
    "Which directory under path a record goes to: 'base-path' (all in path), 'date-time' (processing time) or 'field' (one directory per value).",
  );

/** `sink.options` of a pipeline file: the sink's own options plus the target directory and buckets. */
const pipelineSinkOptions = defineOptions(
  FileSinkOptions.component,
  (FileSinkOptions.schema as unknown as z.ZodObject).extend({
    path: z
      .string()
      .min(1)
      .describe('Directory the part files go to (relative: from the working directory).'),
    buckets: bucketsSchema,
  }),
);

type PipelineSourceOptions = FileSourceOptionsInput & { paths: string | string[] };
type PipelineSinkOptions = FileSinkOptionsInput & { path: string; buckets: z.output<typeof bucketsSchema> };

function bucketAssigner(buckets: PipelineSinkOptions['buckets']): BucketAssigner<unknown> {
  if (buckets.type === 'date-time') {
    return BucketAssigners.dateTime({
      ...(buckets.pattern === undefined ? {} : { pattern: buckets.pattern }),
      ...(buckets.timeZone === undefined ? {} : { timeZone: buckets.timeZone }),
    });
  }
  if (buckets.type === 'field') return BucketAssigners.field(buckets.field);
  return BucketAssigners.basePath();
}

function need<K extends keyof ResolvedPluginFormat>(
  format: ResolvedPluginFormat | undefined,
  kind: K,
  side: string,
): NonNullable<ResolvedPluginFormat[K]> {
  const value = format?.[kind];
  if (value === undefined) {
    throw new Error(`format '${format?.name ?? '(none)'}' has no ${side} for files`);
  }
  return value as NonNullable<ResolvedPluginFormat[K]>;
}

/** The files connector for declarative pipelines (`connector: files`, see `@tributary/cli`). */
export const tributaryPlugin: TributaryPlugin = {
  name: 'files',
  description: 'Local files: bounded or monitored directory source, bucketed part-file sink',
  source: {
    options: pipelineSourceOptions,
    format: 'file',
    guarantee: 'exactly-once (file positions in checkpoints)',
    create(options, format) {
      const { paths, ...rest } = options as PipelineSourceOptions;
      return FileSource.forFormat(need(format, 'fileReader', 'reader') as FileFormat<unknown>, paths, rest);
    },
    async check(options) {
      const { paths } = options as PipelineSourceOptions;
      for (const path of typeof paths === 'string' ? [paths] : paths) {
        await access(resolve(path), constants.R_OK);
      }
      return undefined;
    },
  },
  sink: {
    options: pipelineSinkOptions,
    format: 'file',
    guarantee: 'exactly-once (two-phase commit of part files); at-least-once; none',
    create(options, format) {
      const { path, buckets, ...rest } = options as PipelineSinkOptions;
      return FileSink.forFormat(path, need(format, 'fileWriter', 'writer'), {
        ...rest,
        bucketAssigner: bucketAssigner(buckets),
      });
    },
  },
};
