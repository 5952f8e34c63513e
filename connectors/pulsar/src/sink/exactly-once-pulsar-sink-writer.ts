import {
  type CommittingSinkWriter,
  type Logger,
  type SinkWriterContext,
  type StatefulSinkWriter,
  TributaryError,
  toError,
  type WriterInitContext,
} from '@tributary/core';
import { type Transaction, type TransactionCoordinatorClient, txnIdToString } from '@tributary/pulsar-client';
import { committableOf, type PulsarCommittable, type PulsarWriterState } from './pulsar-committable.js';
import { PulsarSinkErrorCodes } from './pulsar-sink-error-codes.js';
import type { ResolvedPulsarSinkOptions } from './pulsar-sink-options.js';
import { abortLingeringTransactions } from './pulsar-transaction-aborter.js';
import type { PulsarWriterResources } from './pulsar-writer-resources.js';

/**
 * A transaction older than this share of `transactionTimeoutMs` at `prepareCommit` is refused:
 * the coordinator may abort it before the committer gets to it (the rest is the commit's margin).
 */
const TIMEOUT_SAFETY_SHARE = 0.9;
/** An empty transaction is kept for the next checkpoint while younger than this share of the timeout. */
const EMPTY_REUSE_SHARE = 0.5;

/** A transaction of the writer and what the writer knows about it. */
interface WriterTransaction {
  readonly txn: Transaction;
  readonly openedAt: number;
  hasData: boolean;
}

/**
 * The `exactly-once` writer (FLIP-143 two-phase commit on Pulsar transactions, PIP-31).
 *
 * - One transaction per checkpoint: messages are sent inside the open transaction; at the
 *   checkpoint `prepareCommit` waits for every receipt and hands the transaction's id to the
 *   committer, which commits it by id once the checkpoint is complete. The writer never ends a
 *   pre-committed transaction itself.
 * - The next transaction is opened one checkpoint ahead, so a barrier never waits for NEW_TXN, and
 *   the state of every checkpoint lists both the receiving and the ahead transaction: a restore
 *   aborts by id whatever a failed attempt wrote after the checkpoint, up to the next one
 *   ({@link abortLingeringTransactions}). The runtime re-commits the restored checkpoint's
 *   committables before writers start.
 * - The coordinator's timer runs from NEW_TXN: a transaction waits up to two checkpoint intervals
 *   plus the commit, which `transactionTimeoutMs` must exceed (checked at `prepareCommit`).
 */
export class ExactlyOncePulsarSinkWriter<T>
  implements CommittingSinkWriter<T, PulsarCommittable>, StatefulSinkWriter<T, PulsarWriterState>
{
  private current: WriterTransaction | undefined;
  private ahead: Promise<WriterTransaction> | undefined;
  private endOfInput = false;
  private closed = false;
  private readonly logger: Logger;

  private constructor(
    private readonly resources: PulsarWriterResources<T>,
    private readonly coordinator: TransactionCoordinatorClient,
    private readonly options: ResolvedPulsarSinkOptions,
    private readonly ctx: WriterInitContext,
  ) {
    this.logger = ctx.logger.child({ component: 'pulsar-sink', subtask: ctx.subtaskId });
  }

  /** Aborts the lingering transactions of the restored states, then opens the first two. */
  static async open<T>(
    resources: PulsarWriterResources<T>,
    options: ResolvedPulsarSinkOptions,
    ctx: WriterInitContext,
    restored: readonly PulsarWriterState[],
  ): Promise<ExactlyOncePulsarSinkWriter<T>> {
    try {
      const coordinator = await resources.client.transactions();
      const writer = new ExactlyOncePulsarSinkWriter(resources, coordinator, options, ctx);
      await abortLingeringTransactions(coordinator, restored, writer.logger);
      writer.current = await writer.openTransaction();
      writer.ahead = writer.openAhead();
      return writer;
    } catch (error) {
      await resources.release();
      throw error;
    }
  }

  async write(batch: readonly T[], ctx: SinkWriterContext): Promise<void> {
    const current = this.receiving();
    const messages = this.resources.convert(batch, ctx);
    if (messages.length === 0) return;
    current.hasData = true;
    await this.resources.pipeline.send(batch, messages, current.txn);
  }

  async flush(endOfInput: boolean): Promise<void> {
    if (this.finished()) return;
    this.receiving();
    if (endOfInput) this.endOfInput = true;
    await this.resources.pipeline.flush();
  }

  /** Hands the checkpoint's transaction to the committer; the ahead one starts receiving. */
  async prepareCommit(): Promise<PulsarCommittable[]> {
    if (this.finished()) return [];
    const current = this.receiving();
    await this.resources.pipeline.flush();
    const age = Date.now() - current.openedAt;
    if (!current.hasData) {
      if (!this.endOfInput && age < this.options.transactionTimeoutMs * EMPTY_REUSE_SHARE) return [];
      this.abortQuietly(current);
      await this.rotate();
      return [];
    }
    if (age > this.options.transactionTimeoutMs * TIMEOUT_SAFETY_SHARE) {
      const name = txnIdToString(current.txn.id);
      throw new TributaryError(
        PulsarSinkErrorCodes.TXN_TIMED_OUT,
        `Pulsar transaction ${name} has been open ${age} ms, too close to transactionTimeoutMs (${this.options.transactionTimeoutMs} ms): the coordinator may abort it before it is committed. Checkpoint more often or raise pulsar.sink.transactionTimeoutMs`,
        { context: { transaction: name, ageMs: age } },
      );
    }
    const committable = committableOf(current.txn.id);
    this.logger.debug({ transaction: txnIdToString(current.txn.id) }, 'pre-committed Pulsar transaction');
    await this.rotate();
    return [committable];
  }

  async snapshotState(): Promise<PulsarWriterState[]> {
    const open: PulsarCommittable[] = [];
    if (this.current !== undefined) open.push(committableOf(this.current.txn.id));
    if (this.ahead !== undefined) open.push(committableOf((await this.ahead).txn.id));
    return [{ subtaskId: this.ctx.subtaskId, openTransactions: open }];
  }

  /**
   * Aborts the receiving transaction (it was never handed to the committer) and the ahead one, so
   * readers are not held back until they time out; pre-committed ones are left to the committer.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const own = [this.current, await this.ahead?.catch(() => undefined)];
    this.current = undefined;
    this.ahead = undefined;
    await this.resources.pipeline.flush().catch(() => undefined);
    await Promise.all(own.map((t) => (t === undefined ? undefined : this.abort(t))));
    await this.resources.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The ahead transaction starts receiving (none after the end of input) and the next one opens. */
  private async rotate(): Promise<void> {
    if (this.endOfInput) {
      this.current = undefined;
      return;
    }
    this.current = await (this.ahead as Promise<WriterTransaction>);
    this.ahead = this.openAhead();
  }

  private async openTransaction(): Promise<WriterTransaction> {
    const txn = await this.coordinator.newTransaction(this.options.transactionTimeoutMs);
    this.logger.debug({ transaction: txnIdToString(txn.id) }, 'opened Pulsar transaction');
    return { txn, openedAt: Date.now(), hasData: false };
  }

  /** Opens the next transaction in the background; a failure surfaces at the next checkpoint. */
  private openAhead(): Promise<WriterTransaction> {
    const opening = this.openTransaction();
    opening.catch(() => undefined);
    return opening;
  }

  private abortQuietly(t: WriterTransaction): void {
    void this.abort(t);
  }

  private async abort(t: WriterTransaction): Promise<void> {
    try {
      await t.txn.abort();
    } catch (error) {
      this.logger.debug(
        { err: toError(error), transaction: txnIdToString(t.txn.id) },
        'transaction not aborted (the coordinator aborts it after transactionTimeoutMs)',
      );
    }
  }

  /** The end of input was reached and its last transaction handed off: checkpoints have nothing to do. */
  private finished(): boolean {
    return this.endOfInput && this.current === undefined && !this.closed;
  }

  private receiving(): WriterTransaction {
    if (this.closed) throw new TributaryError('TRIB_CLOSED', 'Pulsar writer used after close()');
    if (this.current === undefined) {
      throw new TributaryError(
        'TRIB_CONTRACT_VIOLATION',
        'Pulsar exactly-once writer received records after the end of input',
        { context: { subtask: this.ctx.subtaskId } },
      );
    }
    return this.current;
  }
}
