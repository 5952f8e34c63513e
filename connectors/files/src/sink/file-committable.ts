import { jsonSerializer, type VersionedSerializer } from '@tributary/core';

/**
 * What a {@link FileSinkWriter} hands to the {@link FileCommitter} at a checkpoint. Paths are
 * relative to the sink's base path, so checkpoints stay valid when the base path is mounted
 * elsewhere.
 */
export type FileCommittable =
  /** A complete, hidden part file to publish under its final name. */
  | {
      readonly kind: 'file';
      readonly bucketId: string;
      readonly pendingName: string;
      readonly finalName: string;
      readonly sizeBytes: number;
    }
  /**
   * A running writer's progress (for `_SUCCESS` markers of time buckets): processing time or
   * watermark at the checkpoint, and the time buckets it wrote that have no marker yet.
   */
  | {
      readonly kind: 'progress';
      readonly subtask: number;
      readonly parallelism: number;
      /** ms since the epoch; null when no watermark was seen yet. */
      readonly progressMs: number | null;
      readonly buckets: readonly string[];
    }
  /** A writer reached the end of its input; `buckets` are all buckets it wrote that need a marker. */
  | {
      readonly kind: 'end-of-input';
      readonly subtask: number;
      readonly parallelism: number;
      readonly buckets: readonly string[];
    };

/** Serializer of {@link FileCommittable} (JSON, version 1). */
export const fileCommittableSerializer: VersionedSerializer<FileCommittable> =
  jsonSerializer<FileCommittable>({
    name: 'FileCommittable',
  });

/** A writer's checkpointed state: in-progress files never survive a checkpoint, so only marker bookkeeping. */
export interface FileWriterState {
  /** Buckets this writer wrote that may still need a `_SUCCESS` marker (empty when markers are off). */
  readonly markerBuckets: readonly string[];
}

/** Serializer of {@link FileWriterState} (JSON, version 1). */
export const fileWriterStateSerializer: VersionedSerializer<FileWriterState> =
  jsonSerializer<FileWriterState>({
    name: 'FileWriterState',
  });
