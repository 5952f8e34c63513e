import { performance } from 'node:perf_hooks';
import {
  type CommittingSinkWriter,
  type Logger,
  type SinkWriterContext,
  type StatefulSinkWriter,
  TributaryError,
  toError,
  type WriterInitContext,
} from '@tributary/core';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { KafkaCommittable, KafkaWriterState } from './kafka-committable.js';
import { abortLingeringTransactions, lingeringCleanup } from './kafka-lingering-transactions.js';
import type { KafkaTransaction } from './kafka-producer-factory.js';
import type { ResolvedKafkaSinkOptions } from './kafka-sink-options.js';
import { claimTransactionalIdPrefix } from './kafka-transactional-id-claims.js';
import { KafkaTransactionalIdPool } from './kafka-transactional-id-pool.js';
import { TransactionCoordinators, transactionalIdUses } from './kafka-transactional-id-prober.js';
import type { KafkaWriterResources } from './kafka-writer-resources.js';

/**
 * A transaction older than this share of `transactionTimeoutMs` at `prepareCommit` is refused:
 * the broker may abort it before the committer gets to it (the rest is the commit's margin).
 */
const TIMEOUT_SAFETY_SHARE = 0.9;

/**
 * The `exactly-once` writer (FLIP-143 two-phase commit on Kafka transactions).
 *
 * - One transaction per checkpoint: records go into the open transaction; at the checkpoint
 *   `prepareCommit` waits for every acknowledgement and hands `{transactionalId, producerId,
 *   epoch}` to the committer, which commits it once the checkpoint is complete. The producer is
 *   dropped without ending the transaction, so it stays open on the broker until committed.
 * - Ids come from a small pool per subtask ({@link KafkaTransactionalIdPool}: `<prefix>-<subtask>-<k>`,
 *   an id returning to the pool once its transaction is committed or aborted). The next
 *   transaction is opened right after `prepareCommit`, in the background, so the barrier does not
 *   wait for its round trips. A checkpoint without records keeps its (empty) transaction open for
 *   the next one.
 * - On start, lingering transactions of failed attempts are aborted
 *   ({@link abortLingeringTransactions}) before the first record is written. The runtime has
 *   re-committed the restored checkpoint's transactions before writers start; ids it may still be
 *   retrying stay pending (the writer state records them).
 */
export class ExactlyOnceKafkaSinkWriter<T>
  implements CommittingSinkWriter<T, KafkaCommittable>, StatefulSinkWriter<T, KafkaWriterState>
{
  private current: Promise<KafkaTransaction> | undefined;
  private endOfInput = false;
  private closed = false;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly pool: KafkaTransactionalIdPool;
  /** Coordinators of this writer's ids, looked up once (the pool asks about the same ids each checkpoint). */
  private readonly coordinators: TransactionCoordinators;

  private constructor(
    private readonly resources: KafkaWriterResources<T>,
    private readonly options: ResolvedKafkaSinkOptions,
    private readonly ctx: WriterInitContext,
    private readonly releaseClaim: () => void,
  ) {
    this.prefix = options.transactionalIdPrefix as string;
    this.logger = ctx.logger.child({ component: 'kafka-sink', subtask: ctx.subtaskId });
    this.coordinators = new TransactionCoordinators(resources.cluster, options.coordinatorFailoverTimeoutMs);
    this.pool = new KafkaTransactionalIdPool(
      this.prefix,
      ctx.subtaskId,
      transactionalIdUses(this.coordinators),
    );
  }

  /** The subtask's id pool (its size stays small however many checkpoints run). */
  get transactionalIdPool(): KafkaTransactionalIdPool {
    return this.pool;
  }

  /** Aborts lingering transactions, then opens the first transaction. */
  static async open<T>(
    resources: KafkaWriterResources<T>,
    options: ResolvedKafkaSinkOptions,
    ctx: WriterInitContext,
    restored: readonly KafkaWriterState[],
  ): Promise<ExactlyOnceKafkaSinkWriter<T>> {
    const prefix = options.transactionalIdPrefix as string;
    let releaseClaim: () => void;
    try {
      releaseClaim = claimTransactionalIdPrefix(options.brokers, prefix, ctx.subtaskId, {
        jobId: ctx.jobId,
        attemptNumber: ctx.attemptNumber,
      });
    } catch (error) {
      await resources.release();
      throw error;
    }
    const writer = new ExactlyOnceKafkaSinkWriter(resources, options, ctx, releaseClaim);
    try {
      const startedAt = performance.now();
      const cleanup = lingeringCleanup(
        ctx,
        [prefix, ...restored.map((s) => s.transactionalIdPrefix)],
        restored,
      );
      const aborted = await abortLingeringTransactions(
        resources.cluster,
        resources.producers.prober(writer.coordinators),
        writer.logger,
        cleanup,
        options.coordinatorFailoverTimeoutMs,
      );
      const cleanedAt = performance.now();
      writer.pool.restorePending(cleanup.pendingIds);
      if (cleanup.legacyStartIndex !== undefined) writer.pool.restoreLegacy(cleanup.legacyStartIndex);
      writer.beginNext();
      const first = await writer.transaction();
      // Start-up time is on the restore's critical path (the first checkpoint waits for it).
      writer.logger.info(
        {
          transactionalId: first.transactionalId,
          abortedTransactions: aborted.length,
          cleanupMs: Math.round(cleanedAt - startedAt),
          firstTransactionMs: Math.round(performance.now() - cleanedAt),
        },
        'exactly-once Kafka writer started',
      );
      return writer;
    } catch (error) {
      releaseClaim();
      await resources.release();
      throw error;
    }
  }

  async write(batch: readonly T[], ctx: SinkWriterContext): Promise<void> {
    const txn = await this.transaction();
    const converted = await this.resources.converter.convert(batch, ctx, this.resources.cluster);
    if (converted.count === 0) return;
    txn.firstSendAt ??= Date.now();
    await txn.pipeline.send(converted);
  }

  async flush(endOfInput: boolean): Promise<void> {
    if (endOfInput) this.endOfInput = true;
    await (await this.transaction()).pipeline.flush();
  }

  /** Hands the checkpoint's transaction to the committer and opens the next one. */
  async prepareCommit(): Promise<KafkaCommittable[]> {
    const txn = await this.transaction();
    await txn.pipeline.flush();
    if (!txn.hasData) {
      // Nothing to commit: the transaction (never begun on the broker) serves the next checkpoint.
      if (this.endOfInput) this.current = undefined;
      return [];
    }
    const age = Date.now() - (txn.firstSendAt ?? Date.now());
    if (age > this.options.transactionTimeoutMs * TIMEOUT_SAFETY_SHARE) {
      throw new TributaryError(
        KafkaErrorCodes.TXN_TIMED_OUT,
        `Kafka transaction ${txn.transactionalId} has been open ${age} ms, too close to transactionTimeoutMs (${this.options.transactionTimeoutMs} ms): the broker may abort it before it is committed. Checkpoint more often or raise kafka.sink.transactionTimeoutMs`,
        { context: { transactionalId: txn.transactionalId, ageMs: age } },
      );
    }
    const committable = txn.committable();
    this.pool.precommitted(txn.transactionalId);
    this.logger.debug(committable, 'pre-committed Kafka transaction');
    this.current = undefined;
    if (!this.endOfInput) this.beginNext();
    return [committable];
  }

  async snapshotState(): Promise<KafkaWriterState[]> {
    return [
      {
        transactionalIdPrefix: this.prefix,
        subtaskId: this.ctx.subtaskId,
        parallelism: this.ctx.parallelism,
        pendingTransactionalIds: this.pool.pendingIds(),
      },
    ];
  }

  /**
   * Aborts the open transaction when it has records (it was never handed to the committer) so
   * read_committed consumers are not held back until it times out; pre-committed ones are left
   * to the committer.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = this.current;
    this.current = undefined;
    if (pending) {
      try {
        const txn = await pending;
        // Let requests in flight settle first (an abort under a retrying send confuses kafkajs);
        // records still accumulated are dropped with the transaction.
        await txn.pipeline.abandon();
        if (txn.hasData) await txn.abort();
      } catch (error) {
        this.logger.debug(
          { err: toError(error) },
          'open transaction not aborted on close (the next start aborts it)',
        );
      }
    }
    this.releaseClaim();
    await this.resources.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Starts opening a transaction on a free pooled id; a failure surfaces on the next call. */
  private beginNext(): void {
    const startedAt = performance.now();
    let acquiredAt = startedAt;
    const opening = this.pool.acquire().then((id) => {
      acquiredAt = performance.now();
      return this.resources.producers.openTransaction(id);
    });
    opening.then(
      (txn) =>
        this.logger.debug(
          {
            ...txn.committable(),
            acquireMs: Math.round(acquiredAt - startedAt),
            initMs: Math.round(performance.now() - acquiredAt),
          },
          'opened Kafka transaction',
        ),
      () => undefined,
    );
    this.current = opening;
  }

  private async transaction(): Promise<KafkaTransaction> {
    if (this.closed) throw new TributaryError('TRIB_CLOSED', 'Kafka writer used after close()');
    if (!this.current) {
      throw new TributaryError(
        'TRIB_CONTRACT_VIOLATION',
        'Kafka exactly-once writer received records after the end of input',
        { context: { subtask: this.ctx.subtaskId } },
      );
    }
    return this.current;
  }
}
