import { supportsCommitter } from '../api/sink.js';
import { CoreErrorCodes } from '../errors/error-codes.js';
import { TributaryError, toError } from '../errors/tributary-error.js';
import type { Logger } from '../logging/logger.js';
import {
  CommitterMetricGroup,
  type JobMetricGroup,
  SplitEnumeratorMetricGroup,
} from '../metrics/metric-groups.js';
import type { MetricRegistry } from '../metrics/metric-registry.js';
import type { VersionedSerializer } from '../serialization/versioned-serializer.js';
import { type CheckpointData, type CheckpointStorage, writeSavepoint } from './checkpoint-storage.js';
import { CommitManager, type PendingCommittable } from './commit-manager.js';
import type { JobEvents } from './job-events.js';
import type { JobGraph } from './job-graph.js';
import type { ResolvedJobOptions } from './job-options.js';
import type { CoordinatorToSubtask, StoredBytes, SubtaskSnapshot, SubtaskToCoordinator } from './messages.js';
import { emitPhaseMarker } from './phase-markers.js';
import { SourceCoordinator } from './source-coordinator.js';
import { LocalSubtaskHost, type SubtaskHost } from './subtask-host.js';
import type { WorkerPlan } from './workers/worker-plan.js';
import { WorkerSubtaskHost } from './workers/worker-subtask-host.js';

export type AttemptOutcome =
  | { readonly kind: 'finished' }
  | { readonly kind: 'stopped'; readonly savepointPath: string }
  | { readonly kind: 'cancelled' };

export interface JobAttemptDeps {
  readonly graph: JobGraph;
  readonly options: ResolvedJobOptions;
  readonly storage: CheckpointStorage;
  readonly restored: CheckpointData | undefined;
  /** Ids of new checkpoints start here at least (above an earlier lineage's checkpoints). */
  readonly firstCheckpointId?: number;
  readonly attemptNumber: number;
  readonly jobId: string;
  readonly registry: MetricRegistry;
  readonly jobMetrics: JobMetricGroup;
  readonly logger: Logger;
  /** Where checkpoint events go (`client.on` / `client.events()`). */
  readonly events?: JobEvents;
  /** Where the subtasks run (default: the main event loop). */
  readonly workerPlan?: WorkerPlan;
}

interface PendingCheckpoint {
  readonly id: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly startedAt: number;
  readonly acks: Map<number, SubtaskSnapshot>;
  readonly savepointDir: string | undefined;
  readonly stopAfter: boolean;
  enumerator: StoredBytes | undefined;
  resolve(path: string): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | undefined;
}

interface SavepointRequest {
  readonly directory: string;
  readonly stop: boolean;
  readonly drain: boolean;
  resolve(path: string): void;
  reject(error: unknown): void;
}

/**
 * One run of a job, from restore to finish or failure: the coordinator side (enumerator,
 * checkpoint coordinator, commit step) plus the parallel subtasks. A failure ends the attempt;
 * the {@link JobRunner} decides whether to start another one from the latest checkpoint.
 */
export class JobAttempt {
  private readonly parallelism: number;
  private host: SubtaskHost | undefined;
  private readonly sourceCoordinator: SourceCoordinator;
  private commitManager: CommitManager<unknown> | undefined;
  private nextCheckpointId: number;
  private inFlight: PendingCheckpoint | undefined;
  private readonly inputFinished = new Set<number>();
  /** Subtasks whose reader registered in this attempt. */
  private readonly registered = new Set<number>();
  private readonly savepointQueue: SavepointRequest[] = [];
  private periodicTimer: NodeJS.Timeout | undefined;
  /** A trigger deferred until `minPauseBetweenMs` after the previous checkpoint ended. */
  private pauseTimer: NodeJS.Timeout | undefined;
  private lastCheckpointEnd = 0;
  private consecutiveFailures = 0;
  /** A checkpoint being stored/committed; the attempt does not end before it settles. */
  private completing: Promise<unknown> | undefined;
  private done = false;
  /** Enumerator and subtasks are started: checkpoints and savepoints may be triggered. */
  private running = false;
  /** A final or stop-with-savepoint checkpoint completed: no new checkpoint may start. */
  private stopping = false;
  private settle!: { resolve(o: AttemptOutcome): void; reject(e: unknown): void };
  private readonly outcome: Promise<AttemptOutcome>;

  constructor(private readonly deps: JobAttemptDeps) {
    this.parallelism = deps.options.parallelism;
    this.nextCheckpointId = Math.max((deps.restored?.checkpointId ?? 0) + 1, deps.firstCheckpointId ?? 0);
    this.outcome = new Promise<AttemptOutcome>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    const labels = { job: deps.options.jobName, operator: deps.graph.sourceName };
    this.sourceCoordinator = new SourceCoordinator({
      source: deps.graph.source,
      parallelism: this.parallelism,
      send: (subtask, message) => this.sendToSubtask(subtask, message),
      metricGroup: new SplitEnumeratorMetricGroup(deps.registry, labels),
      logger: deps.logger.child({ component: 'enumerator' }),
      failJob: (error) => this.fail(error),
    });
  }

  /** Runs the attempt to its end. Rejects when the job failed. */
  async run(): Promise<AttemptOutcome> {
    try {
      await this.setUp();
    } catch (error) {
      this.fail(error);
    }
    // Every way out, the "already finished" one included, tears down what setUp opened (the
    // committer's connections would otherwise keep the process alive).
    try {
      return await this.outcome;
    } finally {
      await this.tearDown();
    }
  }

  private async setUp(): Promise<void> {
    const { deps } = this;
    await this.setUpCommitter();
    // Cancelled (or failed) while the committer was being set up: start nothing more.
    if (this.done) return;
    if (deps.restored?.jobFinished) {
      deps.logger.info(
        { checkpointId: deps.restored.checkpointId },
        'job had already finished; nothing to do',
      );
      this.finish({ kind: 'finished' });
      return;
    }
    await this.sourceCoordinator.start(deps.restored?.enumerator);
    if (this.done) return;
    this.startSubtasks();
    this.running = true;
    this.schedulePeriodicCheckpoint();
    // A savepoint asked for while the attempt was setting up (restoring the committer can take
    // a while) waited for the enumerator and the subtasks.
    this.maybeStartQueuedSavepoint();
  }

  /** Takes a savepoint; with `stop`, ends the job after it (draining the input when asked). */
  savepoint(directory: string, stop: boolean, drain: boolean): Promise<string> {
    if (this.done || this.stopping) {
      return Promise.reject(
        new TributaryError(
          CoreErrorCodes.CHECKPOINT_FAILED,
          'The job already finished or stopped: no savepoint taken',
          {
            context: { directory },
          },
        ),
      );
    }
    return new Promise<string>((resolve, reject) => {
      this.savepointQueue.push({ directory, stop, drain, resolve, reject });
      this.maybeStartQueuedSavepoint();
    });
  }

  cancel(): void {
    this.finish({ kind: 'cancelled' });
  }

  /** Fails the attempt (first error wins). */
  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.deps.logger.error({ err: toError(error) }, 'job attempt failed');
    this.abortInFlight(error);
    for (const request of this.savepointQueue.splice(0)) request.reject(error);
    this.settle.reject(error);
  }

  private finish(outcome: AttemptOutcome): void {
    if (this.done) return;
    this.done = true;
    for (const request of this.savepointQueue.splice(0))
      request.reject(new Error(`job ${outcome.kind} before the savepoint`));
    this.settle.resolve(outcome);
  }

  private async setUpCommitter(): Promise<void> {
    const { deps } = this;
    const sink = deps.graph.sink;
    if (!supportsCommitter(sink)) return;
    const metricGroup = new CommitterMetricGroup(deps.registry, {
      job: deps.options.jobName,
      operator: `${deps.graph.sinkName}: Committer`,
    });
    const committer = await sink.createCommitter({
      metricGroup,
      logger: deps.logger.child({ component: 'committer' }),
      jobId: deps.jobId,
    });
    this.commitManager = new CommitManager(
      committer,
      sink.committableSerializer as VersionedSerializer<unknown>,
      metricGroup,
      deps.logger.child({ component: 'committer' }),
      deps.options.checkpointing.commitRetry,
    );
    const restored = deps.restored;
    if (restored && restored.committables.length > 0) {
      // Re-commit what the restored checkpoint pre-committed before any writer starts, so that
      // writers recovering lingering transactions never race a pending commit.
      this.commitManager.add(restored.committables);
      await this.commitManager.commitUpTo(restored.checkpointId);
    }
  }

  private startSubtasks(): void {
    const { deps } = this;
    const restoredSplits = this.redistribute((s) => s.splits);
    const restoredStates = this.redistribute((s) => s.writerStates);
    const plan = deps.workerPlan ?? { mode: 'local' };
    const ctx = {
      parallelism: this.parallelism,
      graph: deps.graph,
      options: deps.options,
      restoredCheckpointId: deps.restored?.checkpointId,
      attemptNumber: deps.attemptNumber,
      jobId: deps.jobId,
      registry: deps.registry,
      logger: deps.logger,
      send: (message: SubtaskToCoordinator) => this.onSubtaskMessage(message),
      onEnded: (index: number, error: unknown) => {
        if (error !== undefined) this.fail(error);
        else if (!this.done) this.fail(new Error(`subtask ${index} stopped unexpectedly`));
      },
    };
    this.host = plan.mode === 'local' ? new LocalSubtaskHost(ctx) : new WorkerSubtaskHost(ctx, plan);
    this.host.start(
      Array.from({ length: this.parallelism }, (_, index) => ({
        index,
        restoredSplits: restoredSplits[index] ?? [],
        restoredWriterStates: restoredStates[index] ?? [],
      })),
    );
  }

  /**
   * Restored reader splits and writer states per new subtask: the same index at the same
   * parallelism, round-robin over the new subtasks after a rescale.
   */
  private redistribute(
    pick: (s: CheckpointData['subtasks'][number]) => readonly StoredBytes[],
  ): StoredBytes[][] {
    const restored = this.deps.restored;
    const result: StoredBytes[][] = Array.from({ length: this.parallelism }, () => []);
    if (!restored) return result;
    if (restored.parallelism === this.parallelism) {
      for (const s of restored.subtasks) result[s.subtask]?.push(...pick(s));
      return result;
    }
    let next = 0;
    for (const s of [...restored.subtasks].sort((a, b) => a.subtask - b.subtask)) {
      for (const item of pick(s)) {
        result[next % this.parallelism]?.push(item);
        next++;
      }
    }
    return result;
  }

  private sendToSubtask(subtask: number, message: CoordinatorToSubtask): void {
    if (!this.host || !Number.isInteger(subtask) || subtask < 0 || subtask >= this.parallelism) {
      // Before subtasks exist (enumerator start) nothing may be sent; it is an enumerator bug.
      this.fail(
        new TributaryError(CoreErrorCodes.CONTRACT_VIOLATION, `Message to unknown subtask ${subtask}`),
      );
      return;
    }
    this.host.send(subtask, message);
  }

  private broadcast(message: CoordinatorToSubtask): void {
    for (let subtask = 0; subtask < this.parallelism; subtask++) this.host?.send(subtask, message);
  }

  private onSubtaskMessage(message: SubtaskToCoordinator): void {
    if (this.done) return;
    switch (message.type) {
      case 'readerRegistered':
        this.sourceCoordinator.readerRegistered(message.subtask, message.location);
        this.registered.add(message.subtask);
        // Crash tests time kills from here: every subtask runs (workers loaded the job module).
        if (this.registered.size === this.parallelism) {
          void emitPhaseMarker('running', this.deps.restored?.checkpointId ?? 0);
          this.deps.events?.emit({ type: 'running', attemptNumber: this.deps.attemptNumber });
        }
        return;
      case 'splitRequest':
        this.sourceCoordinator.splitRequest(message.subtask);
        return;
      case 'sourceEvent':
        this.sourceCoordinator.sourceEvent(message.subtask, message.event);
        return;
      case 'checkpointAck':
        this.onAck(message.snapshot);
        return;
      case 'inputFinished':
        this.inputFinished.add(message.subtask);
        if (this.inputFinished.size === this.parallelism) this.triggerIfIdle();
        return;
    }
  }

  private schedulePeriodicCheckpoint(): void {
    const interval = this.deps.options.checkpointing.intervalMs;
    if (interval === undefined || this.done) return;
    this.periodicTimer = setTimeout(() => {
      this.periodicTimer = undefined;
      this.triggerIfIdle();
      this.schedulePeriodicCheckpoint();
    }, interval);
  }

  /**
   * Starts a checkpoint unless one is running (a finished checkpoint re-checks what is due). Every
   * checkpoint trigger — periodic, end of input, retry after a failure — keeps `minPauseBetweenMs`
   * after the end of the previous checkpoint (completed or failed); a trigger that comes too early
   * is deferred to the end of the pause.
   */
  private triggerIfIdle(): void {
    if (!this.running || this.done || this.stopping || this.inFlight) return;
    if (this.savepointQueue.length > 0) {
      this.maybeStartQueuedSavepoint();
      return;
    }
    const wait = this.lastCheckpointEnd + this.deps.options.checkpointing.minPauseBetweenMs - Date.now();
    if (wait > 0) {
      this.pauseTimer ??= setTimeout(() => {
        this.pauseTimer = undefined;
        this.triggerIfIdle();
      }, wait);
      return;
    }
    this.trigger('checkpoint', undefined, false, false).catch((error: unknown) =>
      this.onCheckpointFailure(error),
    );
  }

  private maybeStartQueuedSavepoint(): void {
    if (!this.running || this.done || this.stopping || this.inFlight) return;
    const request = this.savepointQueue.shift();
    if (!request) return;
    this.trigger('savepoint', request.directory, request.stop, request.drain).then(
      request.resolve,
      (error: unknown) => {
        request.reject(error);
        if (request.stop && request.drain) {
          // The subtasks already ended their input (flush(true), final committables): they cannot
          // go back to reading. Fail over, as Flink does: restart from the last checkpoint.
          this.fail(
            new TributaryError(
              CoreErrorCodes.CHECKPOINT_FAILED,
              'Stop-with-savepoint (drain) failed after the input was ended; restarting from the last checkpoint',
              { cause: error, context: { directory: request.directory } },
            ),
          );
          return;
        }
        // A failed stop without drain: subtasks resume on the abort, the job runs on.
        this.onCheckpointFailure(error);
      },
    );
  }

  private trigger(
    kind: 'checkpoint' | 'savepoint',
    savepointDir: string | undefined,
    stopAfter: boolean,
    drain: boolean,
  ): Promise<string> {
    const id = this.nextCheckpointId++;
    return new Promise<string>((resolve, reject) => {
      const pending: PendingCheckpoint = {
        id,
        kind,
        startedAt: Date.now(),
        acks: new Map(),
        savepointDir,
        stopAfter,
        enumerator: undefined,
        resolve,
        reject,
        timer: undefined,
      };
      this.inFlight = pending;
      pending.timer = setTimeout(
        () => this.abortCheckpoint(pending, new Error(`checkpoint ${id} timed out`)),
        this.deps.options.checkpointing.timeoutMs,
      );
      this.sourceCoordinator
        .snapshotThenTrigger(id, () => {
          // Aborted (timed out) while the enumerator snapshot ran: no barrier for it.
          if (this.inFlight !== pending) return;
          this.broadcast({ type: 'triggerCheckpoint', checkpointId: id, kind, drain, stop: stopAfter });
        })
        .then((state) => {
          if (this.inFlight !== pending) return;
          pending.enumerator = state;
          this.maybeComplete(pending);
        })
        // Aborts this checkpoint only: a failure arriving late must not abort a newer one.
        .catch((error: unknown) => this.abortCheckpoint(pending, error));
    });
  }

  private onAck(snapshot: SubtaskSnapshot): void {
    const pending = this.inFlight;
    if (!pending || pending.id !== snapshot.checkpointId) {
      // A late ack of an aborted checkpoint: its writer already handed off these committables.
      this.carryOver([snapshot], snapshot.checkpointId);
      return;
    }
    pending.acks.set(snapshot.subtask, snapshot);
    this.maybeComplete(pending);
  }

  private maybeComplete(pending: PendingCheckpoint): void {
    if (pending.enumerator === undefined || pending.acks.size < this.parallelism) return;
    const completing = this.complete(pending);
    this.completing = completing.catch(() => undefined);
    completing.then(
      (path) => pending.resolve(path),
      (error: unknown) => {
        pending.reject(error);
        // A checkpoint that could not be stored or committed fails the job: committed data is at stake.
        this.fail(error);
      },
    );
  }

  private async complete(pending: PendingCheckpoint): Promise<string> {
    const { deps } = this;
    // Every subtask acked: only the store decides now. A timeout firing during a slow store would
    // abort a checkpoint that then lands anyway (its committables added twice, and a checkpoint
    // started meanwhile clobbered), so the timer stops here.
    if (pending.timer) clearTimeout(pending.timer);
    const acks = [...pending.acks.values()].sort((a, b) => a.subtask - b.subtask);
    const fresh: PendingCommittable[] = acks.flatMap((a) =>
      a.committables.map((data) => ({ checkpointId: pending.id, subtask: a.subtask, data })),
    );
    const jobFinished = acks.every((a) => a.finished);
    const data: CheckpointData = {
      formatVersion: 1,
      checkpointId: pending.id,
      jobId: deps.jobId,
      kind: pending.kind,
      timestamp: pending.startedAt,
      parallelism: this.parallelism,
      enumerator: pending.enumerator as StoredBytes,
      subtasks: acks.map((a) => ({
        subtask: a.subtask,
        splits: a.splits,
        writerStates: a.writerStates,
        finished: a.finished,
      })),
      committables: [...(this.commitManager?.snapshotPending() ?? []), ...fresh],
      jobFinished,
    };
    const bytes = await deps.storage.store(data);
    let location = deps.storage.locationOf(pending.id);
    if (pending.savepointDir !== undefined) location = await writeSavepoint(pending.savepointDir, data);
    // Reported even when the attempt failed meanwhile: the next attempt restores from it.
    deps.events?.emit({
      type: 'checkpointCompleted',
      checkpointId: pending.id,
      kind: pending.kind,
      durationMs: Date.now() - pending.startedAt,
      sizeBytes: bytes,
      location,
    });
    if (this.done) {
      // The attempt failed while this checkpoint was being stored. It is complete and the next
      // attempt restores from it (tearDown waits for this store), re-committing its committables;
      // committing here as well would race that restore.
      deps.logger.debug({ checkpointId: pending.id }, 'checkpoint stored after the attempt ended');
      return location;
    }
    // Set before inFlight is cleared: the periodic timer must not start a checkpoint that the stop would abort.
    if (jobFinished || pending.stopAfter) this.stopping = true;
    this.inFlight = undefined;
    this.lastCheckpointEnd = Date.now();
    this.consecutiveFailures = 0;
    const metrics = deps.jobMetrics;
    metrics.numberOfCompletedCheckpoints.inc();
    metrics.lastCheckpointDurationMs = this.lastCheckpointEnd - pending.startedAt;
    metrics.lastCheckpointSizeBytes = bytes;
    metrics.lastCompletedCheckpointId = pending.id;
    deps.logger.debug(
      { checkpointId: pending.id, bytes, kind: pending.kind, location },
      'checkpoint complete',
    );

    // Pending before anything can yield: a checkpoint completing meanwhile must store these too.
    this.commitManager?.add(fresh);
    const toCommit = data.committables.length;
    // Crash tests kill here: stored, not committed (the hold only delays what has committables).
    await emitPhaseMarker('stored', pending.id, [toCommit], toCommit > 0);
    if (this.done) return location; // failed during the hold: the restore re-commits
    this.broadcast({ type: 'checkpointComplete', checkpointId: pending.id });
    this.sourceCoordinator.notifyCheckpointComplete(pending.id);
    const commit = this.commitManager
      ?.commitUpTo(pending.id)
      .then(() => (toCommit > 0 ? emitPhaseMarker('committed', pending.id) : undefined));
    await deps.storage.prune(deps.options.checkpointing.retainedCheckpoints);

    if (jobFinished || pending.stopAfter) {
      await commit;
      if (jobFinished) this.finish({ kind: 'finished' });
      else this.finish({ kind: 'stopped', savepointPath: location });
    } else {
      commit?.catch((error: unknown) => this.fail(error));
      if (this.inputFinished.size === this.parallelism) this.triggerIfIdle();
      else this.maybeStartQueuedSavepoint();
    }
    return location;
  }

  private abortInFlight(reason: unknown): void {
    if (this.inFlight) this.abortCheckpoint(this.inFlight, reason);
  }

  /** Aborts `pending` if it is still the checkpoint in flight. */
  private abortCheckpoint(pending: PendingCheckpoint, reason: unknown): void {
    if (this.inFlight !== pending) return;
    this.inFlight = undefined;
    this.lastCheckpointEnd = Date.now();
    if (pending.timer) clearTimeout(pending.timer);
    this.carryOver([...pending.acks.values()], pending.id);
    this.deps.jobMetrics.numberOfFailedCheckpoints.inc();
    this.deps.events?.emit({
      type: 'checkpointFailed',
      checkpointId: pending.id,
      kind: pending.kind,
      error: toError(reason),
    });
    if (!this.done) this.broadcast({ type: 'checkpointAborted', checkpointId: pending.id });
    pending.reject(reason);
  }

  /**
   * Committables of an aborted checkpoint are not lost: writers already handed them off, so they
   * join the pending committables and are stored with (and committed after) the next completed
   * checkpoint, as Flink does. If the process dies first, the restore replays their records from
   * the previous checkpoint and the writers abort the lingering transactions.
   */
  private carryOver(acks: readonly SubtaskSnapshot[], checkpointId: number): void {
    if (this.done || !this.commitManager) return;
    this.commitManager.add(
      acks.flatMap((a) => a.committables.map((data) => ({ checkpointId, subtask: a.subtask, data }))),
    );
  }

  private onCheckpointFailure(error: unknown): void {
    if (this.done) return;
    this.consecutiveFailures++;
    this.deps.logger.warn(
      { err: toError(error), consecutive: this.consecutiveFailures },
      'checkpoint failed',
    );
    if (this.consecutiveFailures > this.deps.options.checkpointing.tolerableFailedCheckpoints) {
      this.fail(
        new TributaryError(
          CoreErrorCodes.CHECKPOINT_FAILED,
          `${this.consecutiveFailures} consecutive checkpoints failed`,
          {
            cause: error,
          },
        ),
      );
    } else if (this.inputFinished.size === this.parallelism) {
      this.triggerIfIdle();
    }
  }

  private async tearDown(): Promise<void> {
    if (this.periodicTimer) clearTimeout(this.periodicTimer);
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.abortInFlight(new Error('job attempt ended'));
    // A checkpoint whose store is under way must land (or fail) before the runner picks the
    // restore point: otherwise the next attempt could restore an older checkpoint than one
    // whose transactions get committed.
    await this.completing;
    this.host?.abort();
    // Let subtasks close their readers and writers, but never hang a restart on a stuck one.
    await this.host?.close(10_000);
    await this.sourceCoordinator.close().catch((error: unknown) => {
      this.deps.logger.warn({ err: toError(error) }, 'error while closing the enumerator');
    });
    await this.commitManager?.close().catch((error: unknown) => {
      this.deps.logger.warn({ err: toError(error) }, 'error while closing the committer');
    });
  }
}
