import type { Logger } from '../logging/logger.js';
import type { SourceReaderMetricGroup, SplitEnumeratorMetricGroup } from '../metrics/metric-groups.js';
import type { VersionedSerializer } from '../serialization/versioned-serializer.js';

/**
 * The FLIP-27 source API. A {@link Source} is a cheap description object; the runtime creates
 * one {@link SplitEnumerator} per source (on the coordinator) and one {@link SourceReader} per
 * parallel subtask. See https://cwiki.apache.org/confluence/display/FLINK/FLIP-27%3A+Refactor+Source+Interface
 */

export type Boundedness = 'bounded' | 'unbounded';

/**
 * A unit of work a reader owns: a Kafka partition, a Kinesis shard, a file region, a key range,
 * a CDC chunk or the binlog. Splits are immutable values; the position a reader reached is put
 * into the split returned by `snapshotState`.
 */
export interface SourceSplit {
  /** Stable, unique within the source (e.g. `orders-3`). */
  readonly splitId: string;
}

/** A custom message between an enumerator and its readers (must be JSON-serializable). */
export type SourceEvent = Readonly<Record<string, unknown>>;

/**
 * The custom events a source's enumerator and readers exchange, one type per direction, so both
 * sides are type-checked against each other without casts, e.g.
 * `SourceEvents<{ type: 'ack'; ids: string[] }, { type: 'finished'; ids: string[] }>`.
 * Events cross thread and process boundaries as JSON: plain data only.
 */
export interface SourceEvents<
  ToReader extends object = SourceEvent,
  ToEnumerator extends object = SourceEvent,
> {
  /** Enumerator → reader (`sendEventToSourceReader` → reader's `handleSourceEvent`). */
  readonly toReader: ToReader;
  /** Reader → enumerator (`sendSourceEventToCoordinator` → enumerator's `handleSourceEvent`). */
  readonly toEnumerator: ToEnumerator;
}

/** What `pollNext` reports. */
export type InputStatus =
  /** More records are available right now; call `pollNext` again. */
  | 'more'
  /** Nothing now; wait for `isAvailable()` before polling again. */
  | 'nothing'
  /** This reader finished: no more splits and every split is done. */
  | 'end';

export interface ReaderInfo {
  readonly subtaskId: number;
  /** Where the reader runs (process / host), for locality-aware assignment. */
  readonly location: string;
}

export interface SplitEnumeratorContext<
  SplitT extends SourceSplit,
  EventsT extends SourceEvents = SourceEvents,
> {
  /** Number of parallel readers of this source. */
  readonly currentParallelism: number;
  readonly metricGroup: SplitEnumeratorMetricGroup;
  readonly logger: Logger;
  /** Readers that registered (and have not failed), by subtask id. */
  registeredReaders(): ReadonlyMap<number, ReaderInfo>;
  /** Hands splits to readers; may be called any number of times (incremental assignment). */
  assignSplits(assignment: ReadonlyMap<number, readonly SplitT[]>): void;
  assignSplit(split: SplitT, subtaskId: number): void;
  /** Tells a reader it will receive no more splits; it ends when its current splits end. */
  signalNoMoreSplits(subtaskId: number): void;
  sendEventToSourceReader(subtaskId: number, event: EventsT['toReader']): void;
  /**
   * Runs `task` (discovery, metadata calls) off the enumerator's loop and hands its result (or
   * error) to `handler` **on** the serialized loop, so enumerator state is never mutated
   * concurrently. With `periodMs` it repeats; a failing task without a handler that rethrows
   * keeps the schedule. Tasks stop when the enumerator closes.
   */
  callAsync<R>(
    task: () => Promise<R>,
    handler: (result: R | undefined, error: unknown) => void,
    schedule?: { readonly initialDelayMs?: number; readonly periodMs?: number },
  ): void;
  /** Runs `action` on the enumerator's serialized loop. */
  runInCoordinatorThread(action: () => void): void;
  /** Fails the whole job (e.g. discovery hit a fatal error). */
  failJob(error: unknown): void;
}

/**
 * Discovers splits and assigns them to readers. All methods are called on one serialized loop,
 * never concurrently; none may block (use `ctx.callAsync` for I/O).
 */
export interface SplitEnumerator<
  SplitT extends SourceSplit,
  EnumStateT,
  EventsT extends SourceEvents = SourceEvents,
> {
  /** Starts discovery (typically schedules `ctx.callAsync`). */
  start(): void | Promise<void>;
  /** A reader asks for a split (pull-based sources such as files). */
  handleSplitRequest(subtaskId: number): void;
  /** Splits taken back from a failed or rescaled reader, with their last checkpointed position. */
  addSplitsBack(splits: readonly SplitT[], subtaskId: number): void;
  /** A reader registered; push-based sources assign its share now. */
  addReader(subtaskId: number): void;
  /** The enumerator's checkpoint: everything needed to go on after a restore. */
  snapshotState(checkpointId: number): EnumStateT | Promise<EnumStateT>;
  notifyCheckpointComplete?(checkpointId: number): void;
  handleSourceEvent?(subtaskId: number, event: EventsT['toEnumerator']): void;
  /**
   * For hybrid sources: where this (bounded) source ended, handed to the next source's factory
   * (e.g. the max modification time of the files read). Called after every reader finished.
   */
  endPosition?(): unknown;
  close(): Promise<void>;
}

/** Emits records (and their event timestamps) from a reader. Per-split outputs carry per-split watermarks. */
export interface SourceOutput<T> {
  /** Emits one record; `timestamp` is its event time in ms since the epoch. */
  collect(record: T, timestamp?: number): void;
  /**
   * Emits `records` in order, `timestamps[i]` being the event time of `records[i]` (NaN, or no
   * entry because the array is shorter, for a record without one): the same as `collect` for
   * each, in one call, so a reader that decodes a whole batch pays the output's per-record work
   * once per batch. The arrays are handed over (the output may keep them as they are): do not
   * change or reuse them afterwards. Optional: call it through {@link collectBatch}, which falls
   * back to `collect` for outputs without it.
   */
  collectBatch?(records: T[], timestamps: number[]): void;
  /** Emits a watermark explicitly (sources with their own watermarks, e.g. CDC heartbeats). */
  emitWatermark(watermark: number): void;
  /** Marks this output idle until the next record. */
  markIdle(): void;
  /** Marks this output active again without a record. */
  markActive(): void;
}

export interface ReaderOutput<T> extends SourceOutput<T> {
  /**
   * The output for one split: its records go through that split's own watermark generator; the
   * reader's watermark is the minimum over non-idle split outputs.
   */
  createOutputForSplit(splitId: string): SourceOutput<T>;
  /** The split finished; its watermark no longer holds the reader's watermark back. */
  releaseOutputForSplit(splitId: string): void;
  /**
   * Advisory: how many records the subtask can take right now without waiting (set before each
   * `pollNext` when the job has a bounded stage, such as `mapAsync`'s `capacity`; undefined when
   * there is no limit). A reader that generates or decodes records on demand emits at most this
   * many per call, so records are not created only to wait in a poll batch; a reader handing over
   * records it already holds may ignore it.
   */
  readonly recordsWanted?: number | undefined;
}

export interface SourceReaderContext<EventsT extends SourceEvents = SourceEvents> {
  /** This reader's subtask index, 0-based. */
  readonly subtaskId: number;
  readonly parallelism: number;
  readonly metricGroup: SourceReaderMetricGroup;
  readonly logger: Logger;
  /** Asks the enumerator for a split (answered with `addSplits` or `notifyNoMoreSplits`). */
  sendSplitRequest(): void;
  sendSourceEventToCoordinator(event: EventsT['toEnumerator']): void;
  /** Where the reader runs, for locality-aware assignment. */
  readonly location: string;
  /**
   * The job's periodic checkpoint interval; undefined when it takes none (only savepoints, or the
   * final checkpoint of a bounded job). A reader that must see a checkpoint complete before it
   * may emit (e.g. to record state ahead) checks this rather than waiting forever.
   */
  readonly checkpointIntervalMs?: number | undefined;
}

/**
 * Reads the splits assigned to one subtask. Called only from the subtask's serialized mailbox
 * loop (never concurrently with itself or the writer).
 */
export interface SourceReader<T, SplitT extends SourceSplit, EventsT extends SourceEvents = SourceEvents> {
  start(): void | Promise<void>;
  /**
   * Emits available records to `output` without blocking, then says whether more are ready now.
   * Emit a batch per call (not one record) to keep the hot path cheap.
   */
  pollNext(output: ReaderOutput<T>): InputStatus;
  /**
   * Resolves when `pollNext` may have something. Spurious resolution is fine; a promise that stays
   * pending while data waits is a bug (the runtime detects it); an always-resolved promise is
   * busy-waiting.
   */
  isAvailable(): Promise<void>;
  /** The current splits with the exact position of the last emitted record. */
  snapshotState(checkpointId: number): SplitT[];
  addSplits(splits: readonly SplitT[]): void;
  notifyNoMoreSplits(): void;
  handleSourceEvent?(event: EventsT['toReader']): void;
  /** A checkpoint completed: commit offsets / acknowledge messages up to its position. */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  notifyCheckpointAborted?(checkpointId: number): void;
  /** Stops (pauses) and resumes reading the named splits, e.g. for watermark alignment. */
  pauseOrResumeSplits?(splitsToPause: readonly string[], splitsToResume: readonly string[]): void;
  close(): Promise<void>;
}

/** The description of a source: cheap, immutable, constructible in any process. */
export interface Source<
  T,
  SplitT extends SourceSplit = SourceSplit,
  EnumStateT = unknown,
  EventsT extends SourceEvents = SourceEvents,
> {
  readonly boundedness: Boundedness;
  createEnumerator(
    ctx: SplitEnumeratorContext<SplitT, EventsT>,
  ): SplitEnumerator<SplitT, EnumStateT, EventsT>;
  restoreEnumerator(
    ctx: SplitEnumeratorContext<SplitT, EventsT>,
    state: EnumStateT,
  ): SplitEnumerator<SplitT, EnumStateT, EventsT>;
  createReader(ctx: SourceReaderContext<EventsT>): SourceReader<T, SplitT, EventsT>;
  /** Used for split transport and reader state. */
  readonly splitSerializer: VersionedSerializer<SplitT>;
  readonly enumeratorStateSerializer: VersionedSerializer<EnumStateT>;
}

/** Any source, for code that does not care about its split and state types. */
// biome-ignore lint/suspicious/noExplicitAny: the split and state types are erased at the runtime boundary.
export type AnySource<T = unknown> = Source<T, any, any, any>;

/**
 * Emits `records` (with `timestamps`, as {@link SourceOutput.collectBatch} takes them) into
 * `output`: in one call when the output takes batches, else record by record. The arrays are
 * handed over.
 */
export function collectBatch<T>(output: SourceOutput<T>, records: T[], timestamps: number[]): void {
  if (output.collectBatch !== undefined) output.collectBatch(records, timestamps);
  else collectEach(output, records, timestamps);
}

/** A batch (as {@link SourceOutput.collectBatch} takes it) emitted through `collect`, record by record. */
export function collectEach<T>(output: SourceOutput<T>, records: T[], timestamps: number[]): void {
  for (let i = 0; i < records.length; i++) {
    const timestamp = timestamps[i];
    output.collect(
      records[i] as T,
      timestamp === undefined || Number.isNaN(timestamp) ? undefined : timestamp,
    );
  }
}
