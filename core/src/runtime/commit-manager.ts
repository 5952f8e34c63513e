import type { CommitRequest, Committer } from '../api/sink.js';
import { CoreErrorCodes } from '../errors/error-codes.js';
import { TributaryError, toError } from '../errors/tributary-error.js';
import type { Logger } from '../logging/logger.js';
import type { CommitterMetricGroup } from '../metrics/metric-groups.js';
import { backoffDelayMs, sleep } from '../retry/retry.js';
import type { VersionedSerializer } from '../serialization/versioned-serializer.js';
import type { StoredBytes } from './messages.js';
import { fromStored, toStored } from './stored-bytes.js';

/** A committable waiting for its checkpoint to complete (or for a retry). */
export interface PendingCommittable {
  readonly checkpointId: number;
  readonly subtask: number;
  readonly data: StoredBytes;
}

export interface CommitManagerOptions {
  /** Retries of one committable (retryLater) before the job fails. */
  readonly maxRetries: number;
  readonly initialRetryDelayMs: number;
  readonly maxRetryDelayMs: number;
}

type Outcome =
  | { kind: 'success' }
  | { kind: 'already' }
  | { kind: 'known-failure'; error: unknown }
  | { kind: 'unknown-failure'; error: unknown }
  | { kind: 'retry'; updated?: unknown };

/**
 * The commit step on the coordinator: keeps committables until their checkpoint is durable, then
 * commits them in checkpoint order through the sink's committer, handling retries, known failures
 * and "already committed" (re-commits after a restore).
 */
export class CommitManager<CommT> {
  private pending: PendingCommittable[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly committer: Committer<CommT>,
    private readonly serializer: VersionedSerializer<CommT>,
    private readonly metrics: CommitterMetricGroup,
    private readonly logger: Logger,
    private readonly options: CommitManagerOptions,
  ) {}

  add(committables: readonly PendingCommittable[]): void {
    if (committables.length === 0) return;
    this.pending.push(...committables);
    this.pending.sort((a, b) => a.checkpointId - b.checkpointId);
    this.metrics.totalCommittables.inc(committables.length);
    this.metrics.pending = this.pending.length;
  }

  /** Committables not yet committed: stored in every checkpoint so a restore re-commits them. */
  snapshotPending(): PendingCommittable[] {
    return [...this.pending];
  }

  /** Commits everything of checkpoints ≤ `checkpointId`. Calls are serialized, in order. */
  commitUpTo(checkpointId: number): Promise<void> {
    const run = this.chain.then(() => this.doCommit(checkpointId));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async doCommit(checkpointId: number): Promise<void> {
    const due = this.pending.filter((p) => p.checkpointId <= checkpointId);
    if (due.length === 0) return;
    let batch = due.map((p) => ({ entry: p, committable: fromStored(this.serializer, p.data), retries: 0 }));
    while (batch.length > 0) {
      const outcomes = new Map<number, Outcome>();
      const requests: CommitRequest<CommT>[] = batch.map((item, index) => ({
        committable: item.committable,
        numberOfRetries: item.retries,
        signalFailedWithKnownReason: (error) => outcomes.set(index, { kind: 'known-failure', error }),
        signalFailedWithUnknownReason: (error) => outcomes.set(index, { kind: 'unknown-failure', error }),
        retryLater: () => outcomes.set(index, { kind: 'retry' }),
        updateAndRetryLater: (updated) => outcomes.set(index, { kind: 'retry', updated }),
        signalAlreadyCommitted: () => outcomes.set(index, { kind: 'already' }),
      }));
      await this.committer.commit(requests);
      const retry: typeof batch = [];
      for (const [index, item] of batch.entries()) {
        const outcome = outcomes.get(index) ?? { kind: 'success' };
        switch (outcome.kind) {
          case 'success':
            this.metrics.successfulCommittables.inc();
            this.remove(item.entry);
            break;
          case 'already':
            this.metrics.alreadyCommittedCommittables.inc();
            this.remove(item.entry);
            break;
          case 'known-failure':
            this.metrics.failedCommittables.inc();
            this.logger.warn(
              {
                checkpointId: item.entry.checkpointId,
                subtask: item.entry.subtask,
                err: toError(outcome.error),
              },
              'committable failed with a known reason; skipped',
            );
            this.remove(item.entry);
            break;
          case 'unknown-failure':
            this.metrics.failedCommittables.inc();
            throw new TributaryError(
              CoreErrorCodes.COMMIT_FAILED,
              `Commit of checkpoint ${item.entry.checkpointId} failed`,
              {
                cause: outcome.error,
                context: { checkpointId: item.entry.checkpointId, subtask: item.entry.subtask },
              },
            );
          case 'retry': {
            this.metrics.retriedCommittables.inc();
            if (item.retries + 1 > this.options.maxRetries) {
              throw new TributaryError(
                CoreErrorCodes.RETRIES_EXHAUSTED,
                `Commit of checkpoint ${item.entry.checkpointId} still failing after ${item.retries + 1} retries`,
                { context: { checkpointId: item.entry.checkpointId, subtask: item.entry.subtask } },
              );
            }
            const committable = outcome.updated === undefined ? item.committable : (outcome.updated as CommT);
            const entry =
              outcome.updated === undefined
                ? item.entry
                : { ...item.entry, data: toStored(this.serializer, committable) };
            this.replace(item.entry, entry);
            retry.push({ entry, committable, retries: item.retries + 1 });
            break;
          }
        }
      }
      this.metrics.pending = this.pending.length;
      batch = retry;
      if (batch.length > 0) {
        const attempt = Math.max(...batch.map((b) => b.retries));
        await sleep(
          backoffDelayMs(attempt, {
            initialDelayMs: this.options.initialRetryDelayMs,
            maxDelayMs: this.options.maxRetryDelayMs,
          }),
        );
      }
    }
  }

  private remove(entry: PendingCommittable): void {
    const i = this.pending.indexOf(entry);
    if (i >= 0) this.pending.splice(i, 1);
  }

  private replace(entry: PendingCommittable, next: PendingCommittable): void {
    const i = this.pending.indexOf(entry);
    if (i >= 0) this.pending[i] = next;
  }

  /** Lets a commit under way finish (a restore re-commits what it did not) before closing. */
  async close(): Promise<void> {
    await this.chain;
    await this.committer.close();
  }
}
