import type { Logger } from '../logging/logger.js';
import type { CommitterMetricGroup, SinkWriterMetricGroup } from '../metrics/metric-groups.js';
import type { VersionedSerializer } from '../serialization/versioned-serializer.js';

/**
 * The sink API of FLIP-143/191/372: a writer per subtask, optional writer state, and an optional
 * committer for two-phase commit. Mixins are detected structurally ({@link supportsCommitter},
 * {@link supportsWriterState}).
 */

export type DeliveryGuarantee = 'none' | 'at-least-once' | 'exactly-once';

export interface WriterInitContext {
  readonly subtaskId: number;
  readonly parallelism: number;
  /** 0 on the first run, +1 on every restart of the job. */
  readonly attemptNumber: number;
  /** The checkpoint the job restored from, if any (e.g. for transactional-id bookkeeping). */
  readonly restoredCheckpointId: number | undefined;
  /** A stable id of the job (the same across restarts from the same checkpoint directory). */
  readonly jobId: string;
  readonly metricGroup: SinkWriterMetricGroup;
  readonly logger: Logger;
}

/** Per-batch context handed to `write`. */
export interface SinkWriterContext {
  /** The watermark the subtask reached, or undefined. */
  readonly currentWatermark: number | undefined;
  /** Event timestamp of `batch[index]`, or undefined when the record has none. */
  timestamp(index: number): number | undefined;
}

/**
 * Writes records of one subtask. Called only from the subtask's serialized loop. `write` may
 * await (that is the backpressure path: a slow sink slows the reader).
 */
export interface SinkWriter<T> {
  write(batch: readonly T[], ctx: SinkWriterContext): Promise<void>;
  /**
   * Called before every checkpoint (`endOfInput=false`) and once at end of input (`true`):
   * at-least-once sinks send everything buffered; two-phase sinks prepare their transaction.
   */
  flush(endOfInput: boolean): Promise<void>;
  /** The watermark advanced (sinks that roll or partition by event time). */
  writeWatermark?(watermark: number): Promise<void> | void;
  close(): Promise<void>;
}

/** Two-phase writers hand their pre-committed work to the committer at each checkpoint. */
export interface CommittingSinkWriter<T, CommT> extends SinkWriter<T> {
  /** Called after `flush`; the returned committables belong to the checkpoint being taken. */
  prepareCommit(): Promise<CommT[]>;
}

/** Writers with state to restore (buffered entries, transactional ids, open files). */
export interface StatefulSinkWriter<T, StateT> extends SinkWriter<T> {
  /** Called after `prepareCommit`; the state goes into the checkpoint. */
  snapshotState(checkpointId: number): Promise<StateT[]>;
}

/** A committable plus what the committer may say about it. */
export interface CommitRequest<CommT> {
  readonly committable: CommT;
  /** Retries already made for this committable. */
  readonly numberOfRetries: number;
  /** A known, permanent failure: logged and counted (`failedCommittables`); the job goes on. */
  signalFailedWithKnownReason(error: unknown): void;
  /** An unknown failure: the job fails (and restarts from its last checkpoint). */
  signalFailedWithUnknownReason(error: unknown): void;
  /** A transient failure: retried with backoff, up to the committer's retry budget. */
  retryLater(): void;
  /** Retry with a changed committable (e.g. a refreshed handle). */
  updateAndRetryLater(committable: CommT): void;
  /** The committable was committed before (a re-commit after restore). */
  signalAlreadyCommitted(): void;
}

export interface CommitterInitContext {
  readonly metricGroup: CommitterMetricGroup;
  readonly logger: Logger;
  readonly jobId: string;
}

/**
 * Commits what writers pre-committed, once the checkpoint holding it completed, in checkpoint
 * order. **Must be idempotent**: after a restore the same committables are committed again.
 * A request left untouched counts as committed successfully.
 */
export interface Committer<CommT> {
  commit(requests: readonly CommitRequest<CommT>[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The writer a `Sink<T, CommT, StateT>` creates: with `CommT` it must be a committing writer whose
 * `prepareCommit()` returns `CommT[]`, with `StateT` a stateful writer whose `snapshotState()`
 * returns `StateT[]`. `never` (the default) asks for neither.
 */
export type SinkWriterOf<T, CommT = never, StateT = never> = SinkWriter<T> &
  ([CommT] extends [never] ? unknown : CommittingSinkWriter<T, CommT>) &
  ([StateT] extends [never] ? unknown : StatefulSinkWriter<T, StateT>);

/**
 * A sink. Two-phase sinks name their committable type, stateful sinks their state type, so the
 * compiler checks the writer's `prepareCommit()` / `snapshotState()`, the serializers and the
 * committer against each other:
 *
 * ```ts
 * class MySink<T> implements Sink<T, MyCommittable, MyState>, SupportsCommitter<MyCommittable>,
 *   SupportsWriterState<T, MyState> { ... }
 * ```
 */
export interface Sink<T, CommT = never, StateT = never> {
  createWriter(
    ctx: WriterInitContext,
  ): SinkWriterOf<T, CommT, StateT> | Promise<SinkWriterOf<T, CommT, StateT>>;
}

/** A sink with a committer (two-phase commit). */
export interface SupportsCommitter<CommT> {
  createCommitter(ctx: CommitterInitContext): Committer<CommT> | Promise<Committer<CommT>>;
  readonly committableSerializer: VersionedSerializer<CommT>;
}

/** A sink whose writers keep state across checkpoints. */
export interface SupportsWriterState<T, StateT> {
  /** Restores a writer from the states of (possibly several, after a rescale) old subtasks. */
  restoreWriter(
    ctx: WriterInitContext,
    recoveredState: readonly StateT[],
  ): SinkWriter<T> | Promise<SinkWriter<T>>;
  readonly writerStateSerializer: VersionedSerializer<StateT>;
}

export function supportsCommitter<CommT = unknown>(sink: object): sink is SupportsCommitter<CommT> {
  return typeof (sink as Partial<SupportsCommitter<CommT>>).createCommitter === 'function';
}

export function supportsWriterState<T = unknown, StateT = unknown>(
  sink: object,
): sink is SupportsWriterState<T, StateT> {
  return typeof (sink as Partial<SupportsWriterState<T, StateT>>).restoreWriter === 'function';
}

export function isCommittingWriter<T, CommT = unknown>(
  writer: SinkWriter<T>,
): writer is CommittingSinkWriter<T, CommT> {
  return typeof (writer as Partial<CommittingSinkWriter<T, CommT>>).prepareCommit === 'function';
}

export function isStatefulWriter<T, StateT = unknown>(
  writer: SinkWriter<T>,
): writer is StatefulSinkWriter<T, StateT> {
  return typeof (writer as Partial<StatefulSinkWriter<T, StateT>>).snapshotState === 'function';
}
