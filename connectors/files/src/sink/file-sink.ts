import { resolve } from 'node:path';
import {
  type CommitterInitContext,
  type FileFormat,
  type FileWriterFormat,
  InvalidOptionsError,
  type Sink,
  type SupportsCommitter,
  type SupportsWriterState,
  type VersionedSerializer,
  type WriterInitContext,
} from '@tributary/core';
import { type BucketAssigner, BucketAssigners } from './bucket-assigners.js';
import {
  type FileCommittable,
  type FileWriterState,
  fileCommittableSerializer,
  fileWriterStateSerializer,
} from './file-committable.js';
import { FileCommitter } from './file-committer.js';
import { type FileSinkConfig, FileSinkOptions, type ResolvedFileSinkOptions } from './file-sink-options.js';
import { FileSinkWriter } from './file-sink-writer.js';

/**
 * Writes records into files under a base path, in buckets (sub-directories), with exactly-once
 * delivery through part files that are published when a checkpoint completes (Flink's `FileSink`).
 *
 * ```ts
 * const sink = FileSink.forFormat('/data/orders', jsonLinesWriter, {
 *   bucketAssigner: BucketAssigners.hive({ date: BucketAssigners.dateTime({ pattern: 'yyyy-MM-dd', time: { field: 'ts' } }) }),
 *   maxPartSizeBytes: 64 * 1024 * 1024,
 * });
 * ```
 *
 * A description object: cheap, holds no open resources. See `docs/connectors/files.md`.
 */
export class FileSink<T>
  implements
    Sink<T, FileCommittable, FileWriterState>,
    SupportsCommitter<FileCommittable>,
    SupportsWriterState<T, FileWriterState>
{
  readonly committableSerializer: VersionedSerializer<FileCommittable> = fileCommittableSerializer;
  readonly writerStateSerializer: VersionedSerializer<FileWriterState> = fileWriterStateSerializer;

  private constructor(
    /** Absolute base path. */
    readonly basePath: string,
    readonly format: FileWriterFormat<T>,
    readonly options: ResolvedFileSinkOptions,
    private readonly assigner: BucketAssigner<T>,
    private readonly compactionFormat: FileFormat<T> | undefined,
  ) {}

  /**
   * A sink writing `format` files under `basePath`. Options are validated now; a bad key throws
   * `TRIB_INVALID_OPTIONS` naming it.
   */
  static forFormat<T>(
    basePath: string,
    format: FileWriterFormat<T>,
    config: FileSinkConfig<T> = {},
  ): FileSink<T> {
    const { bucketAssigner, compactionFormat, ...rest } = config;
    const options = FileSinkOptions.parse(rest);
    if (options.compaction.enabled && format.kind === 'bulk' && compactionFormat === undefined) {
      throw new InvalidOptionsError(FileSinkOptions.component, [
        {
          key: `${FileSinkOptions.component}.compaction.enabled`,
          message: `bulk format '${format.name}' files cannot be concatenated; pass compactionFormat (a reader for the same format) to merge by re-encoding`,
        },
      ]);
    }
    return new FileSink(
      resolve(basePath),
      format,
      options,
      bucketAssigner ?? BucketAssigners.dateTime<T>(),
      compactionFormat,
    );
  }

  createWriter(ctx: WriterInitContext): Promise<FileSinkWriter<T>> {
    return FileSinkWriter.create(this.writerDeps(ctx), []);
  }

  restoreWriter(
    ctx: WriterInitContext,
    recoveredState: readonly FileWriterState[],
  ): Promise<FileSinkWriter<T>> {
    return FileSinkWriter.create(this.writerDeps(ctx), recoveredState);
  }

  createCommitter(ctx: CommitterInitContext): FileCommitter<T> {
    return new FileCommitter({
      basePath: this.basePath,
      format: this.format,
      compactionFormat: this.compactionFormat,
      options: this.options,
      assigner: this.assigner,
      jobId: ctx.jobId,
      logger: ctx.logger,
    });
  }

  private writerDeps(ctx: WriterInitContext) {
    return {
      basePath: this.basePath,
      format: this.format,
      options: this.options,
      assigner: this.assigner,
      ctx,
    };
  }
}
