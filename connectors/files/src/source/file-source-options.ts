import { defineOptions, sourceReaderBaseOptionsShape } from '@tributary/core';
import { z } from 'zod';

const MiB = 1024 * 1024;

/** Options of {@link FileSource}. */
export const FileSourceOptions = defineOptions(
  'files.source',
  z.strictObject({
    monitorIntervalMs: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Unset: list the paths once and end (bounded). Set: keep listing them this often and read new files (unbounded).',
      ),
    recursive: z.boolean().default(true).describe('Descend into sub-directories of the given directories.'),
    includeGlobs: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Read only files matching one of these globs ('*.csv' matches the name at any depth, 'a/**/*.csv' the path relative to the listed directory). Empty: all files.",
      ),
    excludeGlobs: z
      .array(z.string().min(1))
      .default([])
      .describe('Skip files matching one of these globs (wins over includeGlobs).'),
    pathRegex: z
      .string()
      .optional()
      .refine((s) => s === undefined || isValidRegex(s), 'is not a valid regular expression')
      .describe(
        'Read only files whose path relative to the listed directory matches this regular expression.',
      ),
    regionSizeBytes: z
      .number()
      .int()
      .min(1)
      .default(64 * MiB)
      .describe(
        'Splittable formats: files larger than this are read as several regions in parallel. Compressed files are never split.',
      ),
    compression: z
      .enum(['auto', 'none', 'gzip', 'zstd'])
      .default('auto')
      .describe(
        'auto: by extension (.gz/.gzip → gzip, .zst/.zstd → zstd). Or force one codec for every file.',
      ),
    withMetadata: z
      .boolean()
      .default(false)
      .describe('Emit { value, path, size, modificationTime, line, position } instead of the bare record.'),
    seenFilesRetentionMs: z
      .number()
      .int()
      .min(0)
      .default(3_600_000)
      .describe(
        'Continuous mode: remember individual paths only for files modified within this window before the newest file seen; older files count as seen. Bounds the state; a file appearing with an older modification time is skipped.',
      ),
    readChunkBytes: z
      .number()
      .int()
      .min(1024)
      .default(256 * 1024)
      .describe('Size of the chunks read from a file.'),
    ...sourceReaderBaseOptionsShape,
  }),
);

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** Validated source options with defaults applied. */
export type ResolvedFileSourceOptions = z.output<typeof FileSourceOptions.schema>;
/** Source options as the user writes them. */
export type FileSourceOptionsInput = z.input<typeof FileSourceOptions.schema>;
