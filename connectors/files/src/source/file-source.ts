import { resolve } from 'node:path';
import {
  type Boundedness,
  type FileFormat,
  jsonSerializer,
  type Source,
  type SourceReaderContext,
  type SplitEnumeratorContext,
  type VersionedSerializer,
} from '@tributary/core';
import { globFilter } from '../fs/glob.js';
import type { FileRecord } from './file-record-emitter.js';
import {
  FileSourceOptions,
  type FileSourceOptionsInput,
  type ResolvedFileSourceOptions,
} from './file-source-options.js';
import { FileSourceReader } from './file-source-reader.js';
import { type FileSourceSplit, fileSourceSplitSerializer } from './file-source-split.js';
import { type FileEnumeratorState, FileSplitEnumerator } from './file-split-enumerator.js';

const enumeratorStateSerializer = jsonSerializer<FileEnumeratorState>({ name: 'FileEnumeratorState' });

/**
 * Reads files with a {@link FileFormat}: a bounded listing of the given paths, or continuous
 * monitoring for new files (`monitorIntervalMs`). Splittable formats are read in regions in
 * parallel; every split resumes exactly (byte offset + records to skip) after a restore. gzip and
 * zstd files are decompressed by extension. Hidden files (`.x`, `_x`) are skipped.
 *
 * ```ts
 * const source = FileSource.forFormat(csvFormat, '/data/in', { includeGlobs: ['*.csv'] });
 * ```
 *
 * A description object: cheap, holds no open resources. See `docs/connectors/files.md`.
 */
export class FileSource<T> implements Source<T, FileSourceSplit, FileEnumeratorState> {
  readonly boundedness: Boundedness;
  readonly splitSerializer: VersionedSerializer<FileSourceSplit> = fileSourceSplitSerializer;
  readonly enumeratorStateSerializer: VersionedSerializer<FileEnumeratorState> = enumeratorStateSerializer;
  private readonly accept: (relativePath: string) => boolean;

  private constructor(
    readonly format: FileFormat<unknown>,
    /** Absolute input paths (files or directories). */
    readonly paths: readonly string[],
    readonly options: ResolvedFileSourceOptions,
  ) {
    this.boundedness = options.monitorIntervalMs === undefined ? 'bounded' : 'unbounded';
    const globs = globFilter(options.includeGlobs, options.excludeGlobs);
    const regex = options.pathRegex === undefined ? undefined : new RegExp(options.pathRegex);
    this.accept = (rel) => globs(rel) && (regex === undefined || regex.test(rel));
  }

  /**
   * A source reading `paths` (files or directories) with `format`. With `withMetadata: true`
   * records come wrapped in a {@link FileRecord}. Options are validated now.
   */
  static forFormat<T>(
    format: FileFormat<T>,
    paths: string | readonly string[],
    options: FileSourceOptionsInput & { readonly withMetadata: true },
  ): FileSource<FileRecord<T>>;
  static forFormat<T>(
    format: FileFormat<T>,
    paths: string | readonly string[],
    options?: FileSourceOptionsInput & { readonly withMetadata?: false | undefined },
  ): FileSource<T>;
  static forFormat<T>(
    format: FileFormat<T>,
    paths: string | readonly string[],
    options?: FileSourceOptionsInput,
  ): FileSource<T> | FileSource<FileRecord<T>>;
  static forFormat<T>(
    format: FileFormat<T>,
    paths: string | readonly string[],
    options: FileSourceOptionsInput = {},
  ): FileSource<T> | FileSource<FileRecord<T>> {
    const list = (typeof paths === 'string' ? [paths] : [...paths]).map((p) => resolve(p));
    return new FileSource<T>(format as FileFormat<unknown>, list, FileSourceOptions.parse(options));
  }

  createEnumerator(ctx: SplitEnumeratorContext<FileSourceSplit>): FileSplitEnumerator {
    return new FileSplitEnumerator(ctx, this.enumeratorDeps());
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<FileSourceSplit>,
    state: FileEnumeratorState,
  ): FileSplitEnumerator {
    return new FileSplitEnumerator(ctx, this.enumeratorDeps(), state);
  }

  createReader(ctx: SourceReaderContext): FileSourceReader<T> {
    return new FileSourceReader(this.format as FileFormat<T>, this.options, ctx);
  }

  private enumeratorDeps() {
    return { roots: this.paths, format: this.format, options: this.options, accept: this.accept };
  }
}
