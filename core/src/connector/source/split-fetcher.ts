import type { SourceSplit } from '../../api/source.js';
import type { Logger } from '../../logging/logger.js';
import type { ElementQueue } from './element-queue.js';
import { isEmptyFetch, RecordsBySplits, type RecordsWithSplitIds } from './records-with-split-ids.js';
import type { SplitFetcherTask } from './split-fetcher-task.js';
import type { SplitReader } from './split-reader.js';

/** What a fetch loop is doing, for logs, metrics and tests. */
export type SplitFetcherPhase = 'created' | 'idle' | 'task' | 'fetching' | 'putting' | 'closed' | 'failed';

/** How a {@link SplitFetcher} reports to its manager. Hooks must not throw. */
export interface SplitFetcherHooks<E, SplitT extends SourceSplit> {
  /** The loop has no splits and no tasks left (it waits for new work, or is closed by its manager). */
  onIdle(fetcher: SplitFetcher<E, SplitT>): void;
  /** The loop failed and stopped; `error` is what the split reader or a task threw. */
  onError(fetcher: SplitFetcher<E, SplitT>, error: unknown): void;
}

/** Construction options of a {@link SplitFetcher}. */
export interface SplitFetcherConfig {
  readonly closeTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * One fetch loop (Flink's `SplitFetcher`, a thread there, an async loop here) owning one
 * {@link SplitReader}. Each turn it runs, in this order: the next queued task (add / remove /
 * pause splits, connector tasks), else the hand-over of an already fetched batch, else one
 * `fetch()`; with no active split it waits without spinning until work arrives.
 *
 * Backpressure: a fetched batch is put into the bounded {@link ElementQueue}; while the queue is
 * full the loop waits on that put and does not call `fetch()` again, so at most
 * `capacity + 1` batches per loop exist at any time.
 *
 * Created and driven by a {@link SplitFetcherManager}; connectors use it directly only to
 * {@link enqueueTask}.
 */
export class SplitFetcher<E, SplitT extends SourceSplit> {
  private readonly tasks: SplitFetcherTask<E, SplitT>[] = [];
  private readonly assigned = new Map<string, SplitT>();
  private readonly paused = new Set<string>();
  /** Fetched (or synthetic "removed") batches waiting to be handed over, oldest first. */
  private readonly outbox: RecordsWithSplitIds<E>[] = [];
  private current: SplitFetcherPhase = 'created';
  private closing = false;
  private wakeIdle: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private closed: Promise<void> | undefined;
  private warnedPartialPause = false;

  constructor(
    readonly id: number,
    private readonly splitReader: SplitReader<E, SplitT>,
    private readonly queue: ElementQueue<RecordsWithSplitIds<E>>,
    private readonly hooks: SplitFetcherHooks<E, SplitT>,
    private readonly config: SplitFetcherConfig,
  ) {}

  /** What the loop is doing now. */
  get phase(): SplitFetcherPhase {
    return this.current;
  }

  /** Ids of the splits this loop reads (as of the last task it ran). */
  splitIds(): string[] {
    return [...this.assigned.keys()];
  }

  /**
   * No splits, no queued task, nothing waiting to be handed over, not running anything. A
   * failed or closed loop is not idle: it will never pick up work again.
   */
  isIdle(): boolean {
    return (
      this.assigned.size === 0 &&
      this.tasks.length === 0 &&
      this.outbox.length === 0 &&
      (this.current === 'idle' || this.current === 'created')
    );
  }

  /** Starts the loop. Enqueue the first splits before, so a fresh loop is never seen idle. */
  start(): void {
    if (this.loop || this.closing) return;
    // Deferred by a microtask so `loop` is set before the loop can call a hook (which may close us).
    this.loop = Promise.resolve().then(() => this.run());
  }

  addSplits(splits: readonly SplitT[]): void {
    if (splits.length === 0) return;
    this.enqueueTask({
      name: 'addSplits',
      run: async (reader) => {
        await reader.handleSplitsChanges({ type: 'add', splits });
        for (const split of splits) this.assigned.set(split.splitId, split);
      },
    });
  }

  /**
   * Stops reading these splits. The reader learns about it like a finished split (after any
   * batch of theirs already fetched), so it drops their state and releases their outputs.
   */
  removeSplits(splitIds: readonly string[]): void {
    if (splitIds.length === 0) return;
    this.enqueueTask({
      name: 'removeSplits',
      run: async (reader) => {
        const splits = this.known(splitIds);
        if (splits.length === 0) return;
        await reader.handleSplitsChanges({ type: 'remove', splits });
        for (const split of splits) this.forget(split.splitId);
        this.outbox.push(RecordsBySplits.finished(splits.map((s) => s.splitId)));
      },
    });
  }

  pauseOrResumeSplits(toPause: readonly string[], toResume: readonly string[]): void {
    if (toPause.length === 0 && toResume.length === 0) return;
    this.enqueueTask({
      name: 'pauseOrResumeSplits',
      run: async (reader) => {
        const pause = this.known(toPause).filter((s) => !this.paused.has(s.splitId));
        const resume = this.known(toResume).filter((s) => this.paused.has(s.splitId));
        for (const s of pause) this.paused.add(s.splitId);
        for (const s of resume) this.paused.delete(s.splitId);
        if (pause.length === 0 && resume.length === 0) return;
        if (reader.pauseOrResumeSplits) {
          await reader.pauseOrResumeSplits(pause, resume);
        } else if (
          this.paused.size > 0 &&
          this.paused.size < this.assigned.size &&
          !this.warnedPartialPause
        ) {
          // Without reader support a shared loop can only pause all of its splits or none.
          this.warnedPartialPause = true;
          this.config.logger.warn(
            { fetcherId: this.id, paused: [...this.paused] },
            'split reader cannot pause single splits: paused splits keep being read until all splits of this fetch loop are paused',
          );
        }
      },
    });
  }

  /** Queues `task` after those already queued and wakes a pending fetch or hand-over up. */
  enqueueTask(task: SplitFetcherTask<E, SplitT>): void {
    if (this.closing) return;
    this.tasks.push(task);
    this.interrupt();
  }

  /**
   * Stops the loop (waking a pending fetch or hand-over up), waits for it up to
   * `closeTimeoutMs`, then closes the split reader. Idempotent; rejects only when the split
   * reader's `close()` does.
   */
  close(): Promise<void> {
    this.closed ??= this.doClose();
    return this.closed;
  }

  private async doClose(): Promise<void> {
    this.closing = true;
    this.tasks.length = 0;
    this.interrupt();
    if (this.loop) await this.awaitLoop(this.loop);
    for (const batch of this.outbox) batch.recycle?.();
    this.outbox.length = 0;
    this.assigned.clear();
    this.paused.clear();
    if (this.current !== 'failed') this.current = 'closed';
    await this.splitReader.close();
  }

  private async awaitLoop(loop: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      loop.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.config.closeTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.config.logger.warn(
        { fetcherId: this.id, phase: this.current, closeTimeoutMs: this.config.closeTimeoutMs },
        'fetch loop did not stop in time (does the split reader honour wakeUp()?); closing its split reader anyway',
      );
    }
  }

  private async run(): Promise<void> {
    try {
      while (!this.closing) {
        const task = this.tasks.shift();
        if (task) {
          this.current = 'task';
          await task.run(this.splitReader);
        } else if (this.outbox.length > 0) {
          await this.handOver();
        } else if (this.assigned.size > this.paused.size) {
          await this.fetchOnce();
        } else {
          await this.waitForWork();
        }
      }
    } catch (error) {
      if (this.closing) {
        // Expected: a fetch woken up by close() may reject (the client is being torn down).
        this.config.logger.debug({ fetcherId: this.id, err: error }, 'fetch loop error while closing');
        return;
      }
      this.current = 'failed';
      this.hooks.onError(this, error);
    }
  }

  private async fetchOnce(): Promise<void> {
    this.current = 'fetching';
    const fetched = await this.splitReader.fetch();
    this.current = 'task';
    // Finished splits leave the assignment now, so the next turn does not fetch them again.
    for (const splitId of fetched.finishedSplits) this.forget(splitId);
    if (this.closing || isEmptyFetch(fetched)) {
      fetched.recycle?.();
      // A split reader that answers "nothing" without real I/O would otherwise keep this loop
      // on the microtask queue and starve timers and I/O.
      await yieldToEventLoop();
      return;
    }
    // Not handed over here: a task that arrived during the fetch (it woke the fetch up) runs first.
    this.outbox.push(fetched);
  }

  private async handOver(): Promise<void> {
    this.current = 'putting';
    const batch = this.outbox[0] as RecordsWithSplitIds<E>;
    const put = await this.queue.put(this.id, batch);
    this.current = 'task';
    if (put) this.outbox.shift();
  }

  private async waitForWork(): Promise<void> {
    this.current = 'idle';
    const woken = new Promise<void>((resolve) => {
      this.wakeIdle = resolve;
    });
    // The waiter is set first: the hook may enqueue a task or close this loop right away.
    if (this.assigned.size === 0) this.hooks.onIdle(this);
    await woken;
  }

  private interrupt(): void {
    switch (this.current) {
      case 'fetching':
        this.splitReader.wakeUp();
        break;
      case 'putting':
        this.queue.wakeUpPutter(this.id);
        break;
      case 'idle': {
        const wake = this.wakeIdle;
        this.wakeIdle = undefined;
        wake?.();
        break;
      }
      default:
        // Running a task or between steps: the loop checks the task queue on its next turn.
        break;
    }
  }

  private known(splitIds: readonly string[]): SplitT[] {
    const splits: SplitT[] = [];
    for (const id of splitIds) {
      const split = this.assigned.get(id);
      if (split) splits.push(split);
    }
    return splits;
  }

  private forget(splitId: string): void {
    this.assigned.delete(splitId);
    this.paused.delete(splitId);
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
