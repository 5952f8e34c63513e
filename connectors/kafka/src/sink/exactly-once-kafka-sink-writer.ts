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
import type { KafkaTransaction } from './kafka-producer-factory.js';
import type { ResolvedKafkaSinkOptions } from './kafka-sink-options.js';
import { KafkaTransactionAborter, transactionalIdOf } from './kafka-transaction-aborter.js';
import type { KafkaWriterResources } from './kafka-writer-resources.js';
import { lingeringScope } from './lingering-scope.js';

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
 * - Ids are `<prefix>-<subtask>-<n>`, `n` counting from the index the restored states recorded
 *   (see {@link transactionalIdOf}). The next id is initialized right after `prepareCommit`, in the
 *   background, so the barrier does not wait for a round trip.
 * - On start, lingering transactions of failed attempts are aborted
 *   ({@link KafkaTransactionAborter}) before the first record is written. The runtime has
 *   re-committed the restored checkpoint's transactions before writers start.
 */
export class ExactlyOnceKafkaSinkWriter<T>
  implements CommittingSinkWriter<T, KafkaCommittable>, StatefulSinkWriter<T, KafkaWriterState>
{
  private current: Promise<KafkaTransaction> | undefined;
  private nextIndex: number;
  private endOfInput = false;
  private closed = false;
  private readonly prefix: string;
  private readonly logger: Logger;

  private constructor(
    private readonly resources: KafkaWriterResources<T>,
    private readonly options: ResolvedKafkaSinkOptions,
    private readonly ctx: WriterInitContext,
    startIndex: number,
  ) {
    this.prefix = options.transactionalIdPrefix as string;
    this.nextIndex = startIndex;
    this.logger = ctx.logger.child({ component: 'kafka-sink', subtask: ctx.subtaskId });
  }

  /** Aborts lingering transactions, then opens the first transaction. */
  static async open<T>(
    resources: KafkaWriterResources<T>,
    options: ResolvedKafkaSinkOptions,
    ctx: WriterInitContext,
    restored: readonly KafkaWriterState[],
  ): Promise<ExactlyOnceKafkaSinkWriter<T>> {
    const prefix = options.transactionalIdPrefix as string;
    const scope = lingeringScope(ctx, [prefix, ...restored.map((s) => s.transactionalIdPrefix)], restored);
    const writer = new ExactlyOnceKafkaSinkWriter(resources, options, ctx, scope.startIndex);
    try {
      await new KafkaTransactionAborter(resources.producers.prober(), writer.logger).abortLingering(scope);
      writer.beginNext();
      await writer.transaction();
      return writer;
    } catch (error) {
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
    const result: KafkaCommittable[] = [];
    if (txn.hasData) {
      const age = Date.now() - (txn.firstSendAt ?? Date.now());
      if (age > this.options.transactionTimeoutMs * TIMEOUT_SAFETY_SHARE) {
        throw new TributaryError(
          KafkaErrorCodes.TXN_TIMED_OUT,
          `Kafka transaction ${txn.transactionalId} has been open ${age} ms, too close to transactionTimeoutMs (${this.options.transactionTimeoutMs} ms): the broker may abort it before it is committed. Checkpoint more often or raise kafka.sink.transactionTimeoutMs`,
          { context: { transactionalId: txn.transactionalId, ageMs: age } },
        );
      }
      result.push(txn.committable());
      this.logger.debug(txn.committable(), 'pre-committed Kafka transaction');
    }
    this.current = undefined;
    if (!this.endOfInput) this.beginNext();
    return result;
  }

  async snapshotState(): Promise<KafkaWriterState[]> {
    return [
      {
        transactionalIdPrefix: this.prefix,
        subtaskId: this.ctx.subtaskId,
        parallelism: this.ctx.parallelism,
        // The open transaction (begun after this checkpoint's pre-commit) is the first that may linger.
        nextTransactionIndex: this.current ? this.nextIndex - 1 : this.nextIndex,
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
        // Let requests in flight settle first: an abort under a retrying send confuses kafkajs.
        await txn.pipeline.flush().catch(() => undefined);
        if (txn.hasData) await txn.abort();
      } catch (error) {
        this.logger.debug(
          { err: toError(error) },
          'open transaction not aborted on close (the next start aborts it)',
        );
      }
    }
    await this.resources.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Starts initializing the next transactional id; a failure surfaces on the next call. */
  private beginNext(): void {
    const id = transactionalIdOf(this.prefix, this.ctx.subtaskId, this.nextIndex++);
    const opening = this.resources.producers.openTransaction(id);
    opening.then(
      (txn) => this.logger.debug(txn.committable(), 'opened Kafka transaction'),
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
