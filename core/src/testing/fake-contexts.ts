import type {
  CommitRequest,
  CommitterInitContext,
  SinkWriterContext,
  WriterInitContext,
} from '../api/sink.js';
import type {
  ReaderInfo,
  SourceEvent,
  SourceReaderContext,
  SourceSplit,
  SplitEnumeratorContext,
} from '../api/source.js';
import { silentLogger } from '../logging/logger.js';
import {
  CommitterMetricGroup,
  SinkWriterMetricGroup,
  SourceReaderMetricGroup,
  SplitEnumeratorMetricGroup,
} from '../metrics/metric-groups.js';
import { MetricRegistry } from '../metrics/metric-registry.js';

/**
 * Contexts for unit tests of enumerators, readers, writers and committers, so that connector
 * tests drive them directly without a running job. Integration behaviour is proven through the
 * runtime and the e2e contract suites; these only isolate logic.
 */

interface AsyncTask {
  readonly run: () => Promise<void>;
  readonly periodic: boolean;
}

export interface FakeEnumeratorContextOptions {
  /**
   * `manual` (default): `callAsync` tasks run when the test calls {@link FakeEnumeratorContext.runAsyncTasks}
   * (periodic ones stay scheduled). `immediate`: each task starts at once, as with a zero delay.
   */
  readonly asyncTasks?: 'manual' | 'immediate';
}

/** An enumerator context that records what the enumerator did. */
export class FakeEnumeratorContext<S extends SourceSplit> implements SplitEnumeratorContext<S> {
  readonly registry = new MetricRegistry();
  readonly metricGroup = new SplitEnumeratorMetricGroup(this.registry, { operator: 'source' });
  readonly logger = silentLogger;
  readonly readers = new Map<number, ReaderInfo>();
  readonly assigned = new Map<number, S[]>();
  /** Subtasks told "no more splits", in order. */
  readonly noMoreSplits: number[] = [];
  readonly events: { subtask: number; event: SourceEvent }[] = [];
  readonly failures: unknown[] = [];
  private readonly tasks: AsyncTask[] = [];
  private readonly immediate: boolean;

  constructor(
    readonly currentParallelism = 1,
    options: FakeEnumeratorContextOptions = {},
  ) {
    this.immediate = options.asyncTasks === 'immediate';
  }

  /** Registers a reader (what the runtime does before `enumerator.addReader`). */
  register(subtaskId: number): void {
    this.readers.set(subtaskId, { subtaskId, location: 'test' });
  }
  registeredReaders(): ReadonlyMap<number, ReaderInfo> {
    return this.readers;
  }
  assignSplits(assignment: ReadonlyMap<number, readonly S[]>): void {
    for (const [s, splits] of assignment) this.assigned.set(s, [...(this.assigned.get(s) ?? []), ...splits]);
  }
  assignSplit(split: S, subtaskId: number): void {
    this.assignSplits(new Map([[subtaskId, [split]]]));
  }
  signalNoMoreSplits(subtaskId: number): void {
    this.noMoreSplits.push(subtaskId);
  }
  sendEventToSourceReader(subtask: number, event: SourceEvent): void {
    this.events.push({ subtask, event });
  }
  callAsync<R>(
    task: () => Promise<R>,
    handler: (result: R | undefined, error: unknown) => void,
    schedule?: { readonly initialDelayMs?: number; readonly periodMs?: number },
  ): void {
    const run = () =>
      task().then(
        (r) => handler(r, undefined),
        (e: unknown) => handler(undefined, e),
      );
    if (this.immediate) void run();
    else this.tasks.push({ run, periodic: schedule?.periodMs !== undefined });
  }
  /** Number of `callAsync` tasks waiting for {@link runAsyncTasks} (periodic ones count until closed). */
  get pendingAsyncTasks(): number {
    return this.tasks.length;
  }
  /** Runs every scheduled task once and applies its result; one-shot tasks are removed. */
  async runAsyncTasks(): Promise<void> {
    const due = [...this.tasks];
    this.tasks.splice(0, this.tasks.length, ...due.filter((t) => t.periodic));
    for (const t of due) await t.run();
  }
  runInCoordinatorThread(action: () => void): void {
    action();
  }
  failJob(error: unknown): void {
    this.failures.push(error);
  }
  /** Split ids assigned to `subtask`. */
  splitsOf(subtask: number): string[] {
    return (this.assigned.get(subtask) ?? []).map((s) => s.splitId);
  }
  /** Every split assigned so far, over all readers. */
  allAssigned(): S[] {
    return [...this.assigned.values()].flat();
  }
  /** The `unassignedSplits` gauge's current value. */
  unassignedSplits(): number | undefined {
    return this.registry.find('unassignedSplits')?.read();
  }
}

/** A reader context; events and split requests are recorded. */
export function fakeReaderContext(
  subtaskId = 0,
  parallelism = 1,
): SourceReaderContext & { readonly sent: SourceEvent[]; readonly splitRequests: number[] } {
  const sent: SourceEvent[] = [];
  const splitRequests: number[] = [];
  return {
    subtaskId,
    parallelism,
    metricGroup: new SourceReaderMetricGroup(new MetricRegistry(), { subtask: String(subtaskId) }),
    logger: silentLogger,
    location: 'local',
    sendSplitRequest: () => splitRequests.push(subtaskId),
    sendSourceEventToCoordinator: (event) => sent.push(event),
    sent,
    splitRequests,
  };
}

/** A writer init context. */
export function fakeWriterContext(overrides: Partial<WriterInitContext> = {}): WriterInitContext {
  return {
    subtaskId: 0,
    parallelism: 1,
    attemptNumber: 0,
    restoredCheckpointId: undefined,
    jobId: 'test-job',
    metricGroup: new SinkWriterMetricGroup(new MetricRegistry(), {
      subtask: String(overrides.subtaskId ?? 0),
    }),
    logger: silentLogger,
    ...overrides,
  };
}

/** A committer init context. */
export function fakeCommitterContext(jobId = 'test-job'): CommitterInitContext {
  return {
    metricGroup: new CommitterMetricGroup(new MetricRegistry(), { operator: 'committer' }),
    logger: silentLogger,
    jobId,
  };
}

/** A per-batch writer context with optional event timestamps. */
export function fakeBatchContext(timestamps: readonly (number | undefined)[] = []): SinkWriterContext {
  return { currentWatermark: undefined, timestamp: (i) => timestamps[i] };
}

/** What a committer said about one request. */
export type CommitOutcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'already' }
  | { readonly kind: 'retry'; readonly updated?: unknown }
  | { readonly kind: 'known'; readonly error: unknown }
  | { readonly kind: 'unknown'; readonly error: unknown };

/** Commit requests that record the committer's verdict for each committable. */
export function recordingCommitRequests<C>(
  committables: readonly C[],
  numberOfRetries = 0,
): { readonly requests: CommitRequest<C>[]; readonly outcomes: CommitOutcome[] } {
  const outcomes: CommitOutcome[] = committables.map(() => ({ kind: 'success' }));
  const requests = committables.map(
    (committable, i): CommitRequest<C> => ({
      committable,
      numberOfRetries,
      signalFailedWithKnownReason: (error) => {
        outcomes[i] = { kind: 'known', error };
      },
      signalFailedWithUnknownReason: (error) => {
        outcomes[i] = { kind: 'unknown', error };
      },
      retryLater: () => {
        outcomes[i] = { kind: 'retry' };
      },
      updateAndRetryLater: (updated) => {
        outcomes[i] = { kind: 'retry', updated };
      },
      signalAlreadyCommitted: () => {
        outcomes[i] = { kind: 'already' };
      },
    }),
  );
  return { requests, outcomes };
}
