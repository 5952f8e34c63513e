/**
 * Stable error codes of the files connector. Classify errors with `hasErrorCode(error, code)`
 * rather than `instanceof` (two copies of a package can be loaded in one process).
 */
export const FilesErrorCodes = {
  /** A committable's pending file and its final file are both missing (data was removed outside the sink). */
  PENDING_FILE_MISSING: 'TRIB_FILES_PENDING_MISSING',
  /** A bucket assigner returned an id that is not a safe relative directory path. */
  INVALID_BUCKET_ID: 'TRIB_FILES_INVALID_BUCKET',
  /** A file system operation failed; `retriable` says whether trying again may help. */
  IO: 'TRIB_FILES_IO',
  /** A configured input path does not exist. */
  PATH_NOT_FOUND: 'TRIB_FILES_PATH_NOT_FOUND',
  /** Random access (`read(start, end)`) was asked of a compressed file. */
  RANDOM_READ_COMPRESSED: 'TRIB_FILES_RANDOM_READ_COMPRESSED',
  /** A file changed (shrank) between listing and reading. */
  FILE_CHANGED: 'TRIB_FILES_FILE_CHANGED',
  /** A compressed file could not be decompressed. */
  DECOMPRESSION_FAILED: 'TRIB_FILES_DECOMPRESSION_FAILED',
} as const;

/** One of {@link FilesErrorCodes}. */
export type FilesErrorCode = (typeof FilesErrorCodes)[keyof typeof FilesErrorCodes];
