import { type Logger, TributaryError, toError } from '@tributary/core';
import type {
  Consumer,
  MessageId,
  Transaction,
  TransactionCoordinatorClient,
} from '@tributary/pulsar-client';
import { txnIdToString } from '@tributary/pulsar-client';
import { encodeEntries } from './pulsar-entry-ranges.js';
import type { AckTransactions } from './pulsar-partition-split.js';
import { PulsarSourceErrorCodes } from './pulsar-source-error-codes.js';

/** Acks of one split for a checkpoint: the entries its reader emitted since the previous one. */
export interface SplitAcks {
  readonly splitId: string;
  readonly consumer: Pick<Consumer, 'acknowledgeEntriesInTransaction'>;
  readonly topic: string;
  readonly entries: readonly MessageId[];
}

interface OpenTransaction {
  readonly txn: Transaction;
  readonly openedAt: number;
  /** The first checkpoint whose snapshot recorded it for abort on restore. */
  recordedIn: number | undefined;
}

/** How {@link PulsarAckTransactions} is set up. */
export interface AckTransactionsOptions {
  /** The coordinator timeout of each transaction (`transactionTimeoutMs`). */
  readonly timeoutMs: number;
  /**
   * The job takes periodic checkpoints: acks then go only into transactions a completed
   * checkpoint recorded for abort. Without them nothing would ever complete, so emitting waits
   * only for two open transactions (acks are committed at savepoints only, if ever).
   */
  readonly periodicCheckpoints: boolean;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * Transactions kept open ahead: with three, the next one to take acks was recorded by the
 * checkpoint before the last, so steady emitting never waits for the last one to complete.
 */
const OPEN_AHEAD = 3;

/**
 * Shared/Key_Shared exactly-once: the acks of the records a checkpoint covers go into one Pulsar
 * transaction, sent when the checkpoint is taken and committed when it completes. Until then
 * the broker holds those messages as pending acks (not redelivered); a restore commits the
 * transactions of the checkpoint it resumes from and aborts the next one, whose acks then never
 * apply — so every message ends up emitted by exactly one completed checkpoint.
 *
 * `snapshot` is synchronous, so transactions are opened ahead, and every checkpoint records the
 * open ones for abort on restore. Records are emitted ({@link isReady}) only when the
 * transaction that will take their acks was recorded by a checkpoint that has completed: a
 * restore goes back to the latest completed checkpoint, which then lists it. Acks in a
 * transaction opened since (say by a run killed before its first checkpoint completed) would be
 * in no restored checkpoint: never aborted, they would hold their messages until the coordinator's
 * timeout and the broker would redeliver them a timeout late — after newer messages of their
 * key. Open transactions older than a third of the timeout are replaced while no emitted record
 * waits for them, so acks never land in one the coordinator is about to abort.
 */
export class PulsarAckTransactions {
  private readonly ready: OpenTransaction[] = [];
  private opening: Promise<void> | undefined;
  private failure: unknown;
  /**
   * Checkpoint id → the transaction holding its acks (and whether they were all sent), until the
   * coordinator confirmed its commit: one whose commit is queued or in flight stays listed, so the
   * next checkpoint still records it for commit on restore (a crash before the commit arrives would
   * otherwise leave it open until its timeout aborts it, and its messages come again).
   */
  private readonly pendingCommits = new Map<number, PendingCommit>();
  private committing: Promise<void> = Promise.resolve();
  private closed = false;
  /** The highest checkpoint known to be complete. */
  private completedUpTo = Number.NEGATIVE_INFINITY;
  /** Records may have been emitted for `ready[0]` since the last snapshot: it must stay. */
  private taken = false;
  /** Woken when a checkpoint completes (a transaction may have become usable). */
  private checkpointCompleted: { promise: Promise<void>; resolve: () => void } = signal();
  private readonly timeoutMs: number;
  private readonly periodicCheckpoints: boolean;
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(
    private readonly coordinator: () => Promise<TransactionCoordinatorClient>,
    options: AckTransactionsOptions,
  ) {
    this.timeoutMs = options.timeoutMs;
    this.periodicCheckpoints = options.periodicCheckpoints;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  /**
   * Whether records may be emitted now: the transaction that takes their acks at the next
   * snapshot is open and recorded by a completed checkpoint. Starts opening when fewer are open
   * ahead than needed. True also pins that transaction until the next snapshot.
   */
  get isReady(): boolean {
    if (!this.periodicCheckpoints) {
      this.replaceStale();
      this.refill();
      return this.ready.length >= 2;
    }
    if (!this.taken) this.replaceStale();
    this.refill();
    const next = this.ready[0];
    if (next === undefined || next.recordedIn === undefined || next.recordedIn > this.completedUpTo) {
      return false;
    }
    this.taken = true;
    return true;
  }

  /** Resolves when {@link isReady} may have changed or a failure is known (never rejects: the failure is rethrown by {@link throwIfFailed}). */
  whenReady(): Promise<void> {
    this.refill();
    if (this.opening !== undefined) return this.opening;
    if (this.failure !== undefined || this.closed || !this.periodicCheckpoints) return Promise.resolve();
    // Open but not recorded by a completed checkpoint yet.
    return this.checkpointCompleted.promise;
  }

  /** Throws the first background failure (opening, acking, committing). */
  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Sends `acks` in the next transaction and returns what the checkpoint must record: every
   * transaction not committed yet (this one included) and the open ones that take the next acks.
   */
  snapshot(checkpointId: number, acks: readonly SplitAcks[]): AckTransactions {
    this.throwIfFailed();
    if (acks.some((a) => a.entries.length > 0)) {
      const next = this.ready.shift();
      if (next === undefined) {
        // The reader emits only when ready, so records with acks imply an open transaction.
        throw new TributaryError(
          PulsarSourceErrorCodes.REQUEST_FAILED,
          'No open ack transaction at a checkpoint with acks',
        );
      }
      const sent: Promise<boolean>[] = [];
      const entriesBySplit = new Map<string, string>();
      for (const { splitId, consumer, topic, entries } of acks) {
        if (entries.length === 0) continue;
        entriesBySplit.set(splitId, encodeEntries(entries));
        sent.push(
          consumer.acknowledgeEntriesInTransaction(topic, entries, next.txn).then(
            () => true,
            (error: unknown) => {
              this.fail(
                error,
                `acking ${entries.length} entries of ${topic} in ${txnIdToString(next.txn.id)}`,
              );
              return false;
            },
          ),
        );
      }
      // The commit waits for these: an ACK still registering its subscription must not miss it.
      this.pendingCommits.set(checkpointId, {
        txn: next.txn,
        acked: Promise.all(sent),
        committing: false,
        entriesBySplit,
      });
      this.refill();
    }
    this.taken = false;
    for (const open of this.ready) open.recordedIn ??= checkpointId;
    return {
      commit: [...this.pendingCommits.values()].map((p) => txnIdToString(p.txn.id)),
      // Every open one: each may take acks after this checkpoint (the first, or a later one once it is replaced as stale).
      abort: this.ready.map((r) => txnIdToString(r.txn.id)),
    };
  }

  /**
   * The entries of `splitId` acked in each transaction the last {@link snapshot} listed for
   * commit (transaction id → {@link encodeEntries} text), for the checkpoint's split state. The
   * ack requests are sent while the checkpoint completes, so a crash right after it is stored can
   * lose them: a restore acks these entries again after committing the transactions (see
   * `PulsarSplitConsumers.endRestoredTransactions`). Undefined when there are none.
   */
  pendingEntries(splitId: string): Record<string, string> | undefined {
    let pending: Record<string, string> | undefined;
    for (const { txn, entriesBySplit } of this.pendingCommits.values()) {
      const entries = entriesBySplit.get(splitId);
      if (entries === undefined) continue;
      pending ??= {};
      pending[txnIdToString(txn.id)] = entries;
    }
    return pending;
  }

  /**
   * Commits, in order and in the background, the transactions of `checkpointId` and earlier
   * (an aborted checkpoint's acks ride along with the next completed one). A transaction the
   * coordinator no longer knows was aborted by its timeout: its messages come again, after
   * their output was committed — reported as `TRIB_PULSAR_ACK_TRANSACTION_LOST`.
   */
  notifyCheckpointComplete(checkpointId: number): void {
    if (checkpointId > this.completedUpTo) {
      this.completedUpTo = checkpointId;
      this.wake();
    }
    for (const [id, pending] of this.pendingCommits) {
      if (id > checkpointId || pending.committing) continue;
      pending.committing = true;
      const { txn, acked } = pending;
      this.committing = this.committing.then(async () => {
        // A failed ack already failed the reader: committing the rest would lose those messages' acks.
        if ((await acked).includes(false) || this.failure !== undefined) return;
        try {
          const outcome = await txn.commit();
          if (outcome === 'committed') this.pendingCommits.delete(id);
          else {
            this.fail(
              new TributaryError(
                PulsarSourceErrorCodes.ACK_TRANSACTION_LOST,
                `The ack transaction ${txnIdToString(txn.id)} of checkpoint ${id} was ${outcome} instead of committed: it outlived transactionTimeoutMs (${this.timeoutMs} ms), so the broker redelivers its messages. Raise transactionTimeoutMs above 2 × checkpoint interval + checkpoint duration.`,
                { context: { checkpointId: id, transaction: txnIdToString(txn.id) } },
              ),
              'commit',
            );
          }
        } catch (error) {
          this.fail(error, `committing ack transaction ${txnIdToString(txn.id)} of checkpoint ${id}`);
        }
      });
    }
  }

  /** Resolves when no commit is in flight (tests, orderly shutdown). */
  settled(): Promise<void> {
    return this.committing;
  }

  /** Waits for commits in flight; open transactions are left to the coordinator's timeout (or a restore's abort). */
  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    await this.committing;
    await this.opening?.catch(() => undefined);
  }

  private refill(): void {
    const ahead = this.periodicCheckpoints ? OPEN_AHEAD : 2;
    if (this.opening !== undefined || this.closed || this.failure !== undefined || this.ready.length >= ahead)
      return;
    this.opening = (async () => {
      try {
        const coordinator = await this.coordinator();
        while (this.ready.length < ahead && !this.closed) {
          const txn = await coordinator.newTransaction(this.timeoutMs);
          this.ready.push({ txn, openedAt: this.now(), recordedIn: undefined });
        }
      } catch (error) {
        this.fail(error, 'opening an ack transaction');
      } finally {
        this.opening = undefined;
      }
    })();
  }

  private replaceStale(): void {
    const limit = this.now() - this.timeoutMs / 3;
    while (this.ready.length > 0 && (this.ready[0] as OpenTransaction).openedAt < limit) {
      const stale = this.ready.shift() as OpenTransaction;
      stale.txn.abort().catch((error: unknown) => {
        this.logger.debug(
          { err: toError(error) },
          'aborting an unused ack transaction failed (it times out)',
        );
      });
    }
  }

  private wake(): void {
    const woken = this.checkpointCompleted;
    this.checkpointCompleted = signal();
    woken.resolve();
  }

  private fail(error: unknown, what: string): void {
    if (this.failure !== undefined) return;
    this.wake();
    this.failure =
      error instanceof TributaryError
        ? error
        : new TributaryError(
            PulsarSourceErrorCodes.REQUEST_FAILED,
            `${what} failed: ${toError(error).message}`,
            {
              cause: error,
              retriable: true,
            },
          );
    this.logger.error({ err: toError(this.failure) }, `Pulsar ${what} failed`);
  }
}

/** A checkpoint's ack transaction until the coordinator confirmed its commit. */
interface PendingCommit {
  readonly txn: Transaction;
  /** One per ack request: false when it failed. */
  readonly acked: Promise<boolean[]>;
  committing: boolean;
  /** Split id → its entries acked in `txn` ({@link encodeEntries} text). */
  readonly entriesBySplit: ReadonlyMap<string, string>;
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
