/**
 * @tributary/connector-files — a file sink with exactly-once part files, buckets, rolling,
 * compaction and `_SUCCESS` markers, and a file source with splitting, exact resume and continuous
 * monitoring. Formats come from `@tributary/format-*` (or any `FileFormat` / `FileWriterFormat`).
 */

export { type FilesErrorCode, FilesErrorCodes } from './files-error-codes.js';
export type { Compression, CompressionSetting } from './fs/compression.js';
export { LocalFileInput, type LocalFileInputOptions } from './fs/local-file-input.js';
export {
  type BucketAssigner,
  BucketAssigners,
  type BucketContext,
  type BucketTime,
  type DateTimeBucketOptions,
  HIVE_DEFAULT_PARTITION,
  type HivePartitionValue,
} from './sink/bucket-assigners.js';
export type { FileCommittable, FileWriterState } from './sink/file-committable.js';
export { FileSink } from './sink/file-sink.js';
export {
  type FileSinkConfig,
  FileSinkOptions,
  type FileSinkOptionsInput,
  type ResolvedFileSinkOptions,
} from './sink/file-sink-options.js';
export type { FileRecord } from './source/file-record-emitter.js';
export { FileSource } from './source/file-source.js';
export {
  FileSourceOptions,
  type FileSourceOptionsInput,
  type ResolvedFileSourceOptions,
} from './source/file-source-options.js';
export type { FileSourceSplit } from './source/file-source-split.js';
export type { FileEnumeratorState, FileSourceEndPosition } from './source/file-split-enumerator.js';
export type { SeenFilesSnapshot } from './source/seen-files.js';
export { tributaryPlugin } from './tributary-plugin.js';
