import {
  type FilePosition,
  jsonSerializer,
  type SourceSplit,
  type VersionedSerializer,
} from '@tributary/core';

/**
 * A file, or a region of one, for one reader. Immutable; the reader's checkpoint puts the resume
 * position into `position`, which the format gets back as `region.restoredPosition`.
 */
export interface FileSourceSplit extends SourceSplit {
  /** `<path>:<start>`: unique, because a path is enumerated once. */
  readonly splitId: string;
  /** Absolute path. */
  readonly path: string;
  /** First byte of the region (records starting in [start, end) belong to it). */
  readonly start: number;
  /** End of the region (exclusive), or null for "to the end of the file". */
  readonly end: number | null;
  /** Size when listed; reading stops there (bytes appended later are not half-read). */
  readonly fileSize: number;
  /** Modification time when listed (ms since the epoch). */
  readonly modificationTime: number;
  /** Where to resume (after a checkpoint), or null to start at `start`. */
  readonly position: FilePosition | null;
}

/** Serializer of {@link FileSourceSplit} (JSON, version 1). */
export const fileSourceSplitSerializer: VersionedSerializer<FileSourceSplit> =
  jsonSerializer<FileSourceSplit>({
    name: 'FileSourceSplit',
  });

/** The mutable state of a split being read: the split plus the position after the last emitted record. */
export interface FileSplitState {
  readonly split: FileSourceSplit;
  position: FilePosition | null;
}
