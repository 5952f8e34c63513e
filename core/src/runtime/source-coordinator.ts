import type {
  AnySource,
  ReaderInfo,
  SourceEvent,
  SourceSplit,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '../api/source.js';
import type { Logger } from '../logging/logger.js';
import type { SplitEnumeratorMetricGroup } from '../metrics/metric-groups.js';
import { SerialExecutor } from './mailbox.js';
import type { CoordinatorToSubtask, StoredBytes } from './messages.js';
import { fromStored, toStored } from './stored-bytes.js';

export interface SourceCoordinatorDeps {
  readonly source: AnySource<unknown>;
  readonly parallelism: number;
  readonly send: (subtask: number, message: CoordinatorToSubtask) => void;
  readonly metricGroup: SplitEnumeratorMetricGroup;
  readonly logger: Logger;
  readonly failJob: (error: unknown) => void;
}

/**
 * Hosts a source's enumerator on the coordinator. Every enumerator call runs on one serialized
 * loop; async work (discovery) runs off it and only its result is applied on it.
 */
export class SourceCoordinator {
  private readonly loop: SerialExecutor;
  private readonly readers = new Map<number, ReaderInfo>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private enumerator: SplitEnumerator<SourceSplit, unknown> | undefined;
  private closed = false;

  constructor(private readonly deps: SourceCoordinatorDeps) {
    this.loop = new SerialExecutor(deps.failJob);
  }

  /** Creates (or restores) the enumerator and starts it. */
  start(restoredState: StoredBytes | undefined): Promise<void> {
    return this.loop.run(async () => {
      const { source } = this.deps;
      const ctx = this.context();
      this.enumerator =
        restoredState === undefined
          ? source.createEnumerator(ctx)
          : source.restoreEnumerator(ctx, fromStored(source.enumeratorStateSerializer, restoredState));
      await this.enumerator.start();
    });
  }

  readerRegistered(subtask: number, location: string): void {
    this.loop.execute(() => {
      this.readers.set(subtask, { subtaskId: subtask, location });
      this.requireEnumerator().addReader(subtask);
    });
  }

  splitRequest(subtask: number): void {
    this.loop.execute(() => this.requireEnumerator().handleSplitRequest(subtask));
  }

  sourceEvent(subtask: number, event: SourceEvent): void {
    this.loop.execute(() => this.requireEnumerator().handleSourceEvent?.(subtask, event));
  }

  /**
   * Snapshots the enumerator and, in the same loop turn, calls `sendBarriers`: assignments made
   * before the snapshot reach the readers before the barrier (mailboxes are FIFO), assignments made
   * after it follow it. That keeps enumerator and reader state consistent.
   */
  snapshotThenTrigger(checkpointId: number, sendBarriers: () => void): Promise<StoredBytes> {
    return this.loop.run(async () => {
      const state = await this.requireEnumerator().snapshotState(checkpointId);
      sendBarriers();
      return toStored(this.deps.source.enumeratorStateSerializer, state);
    });
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.loop.execute(() => this.requireEnumerator().notifyCheckpointComplete?.(checkpointId));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const enumerator = this.enumerator;
    this.loop.close();
    await enumerator?.close();
  }

  private requireEnumerator(): SplitEnumerator<SourceSplit, unknown> {
    if (!this.enumerator) throw new Error('enumerator not started');
    return this.enumerator;
  }

  private context(): SplitEnumeratorContext<SourceSplit> {
    const { deps } = this;
    const serializer = deps.source.splitSerializer;
    const assign = (subtask: number, splits: readonly SourceSplit[]) => {
      if (splits.length === 0) return;
      deps.send(subtask, { type: 'addSplits', splits: splits.map((s) => toStored(serializer, s)) });
    };
    return {
      currentParallelism: deps.parallelism,
      metricGroup: deps.metricGroup,
      logger: deps.logger,
      registeredReaders: () => this.readers,
      assignSplits: (assignment) => {
        for (const [subtask, splits] of assignment) assign(subtask, splits);
      },
      assignSplit: (split, subtask) => assign(subtask, [split]),
      signalNoMoreSplits: (subtask) => deps.send(subtask, { type: 'noMoreSplits' }),
      sendEventToSourceReader: (subtask, event) => deps.send(subtask, { type: 'sourceEvent', event }),
      callAsync: (task, handler, schedule) => {
        const runOnce = () => {
          if (this.closed) return;
          task()
            .then(
              (result) => this.loop.execute(() => handler(result, undefined)),
              (error: unknown) => this.loop.execute(() => handler(undefined, error)),
            )
            .finally(() => {
              if (schedule?.periodMs !== undefined && !this.closed) this.schedule(runOnce, schedule.periodMs);
            });
        };
        this.schedule(runOnce, schedule?.initialDelayMs ?? 0);
      },
      runInCoordinatorThread: (action) => this.loop.execute(action),
      failJob: deps.failJob,
    };
  }

  private schedule(fn: () => void, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, delayMs);
    this.timers.add(timer);
  }
}
