import {
  type CommitRequest,
  type Committer,
  type CommitterInitContext,
  type Counter,
  type Logger,
  retry,
  TributaryError,
  toError,
} from '@tributary/core';
import { createKafkaClient } from '../client/kafka-client.js';
import { isTransientCoordinatorError, kafkaErrorType, wrapKafkaError } from '../client/kafka-errors.js';
import { createCluster, type KafkaJsCluster, TRANSACTION_COORDINATOR } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { KafkaCommittable } from './kafka-committable.js';
import { emitPhaseMarker, phaseMarkersEnabled } from './kafka-phase-markers.js';
import type { ResolvedKafkaSinkOptions } from './kafka-sink-options.js';

/**
 * The transaction is gone: the broker aborted it (timeout, or an InitProducerId on its id bumped
 * the epoch) or no longer knows the id (`transactional.id.expiration.ms`). A commit of a
 * transaction that *was* committed answers NONE (the protocol makes EndTxn(commit) idempotent),
 * so these mean its records were not committed.
 */
const LOST_TYPES = new Set([
  'INVALID_PRODUCER_EPOCH',
  'PRODUCER_FENCED',
  'INVALID_TXN_STATE',
  'INVALID_PRODUCER_ID_MAPPING',
]);

/**
 * Attempts of the completion check (backoff 10 ms doubling to 500 ms: about 20 s in all); past
 * them the request is retried later, which is safe because EndTxn(commit) is idempotent.
 */
const COMPLETION_ATTEMPTS = 45;

/**
 * Commits pre-committed transactions with the protocol's EndTxn, using only the stored
 * `{transactionalId, producerId, producerEpoch}` — Flink's `resumeTransaction` + commit, without
 * the producer that opened the transaction (it may have died with its process). Idempotent: a
 * transaction committed before answers NONE again.
 *
 * A commit resolves only once the transaction is complete, i.e. its records are readable under
 * `read_committed`: EndTxn answers as soon as the coordinator has logged PrepareCommit, and the
 * commit markers reach the partitions afterwards. So EndTxn(commit) is sent once more, which the
 * coordinator answers with CONCURRENT_TRANSACTIONS while markers are still being written and with
 * NONE once the transaction is CompleteCommit. Without this, a bounded job's `execute()` would
 * resolve before its output is visible.
 */
export class KafkaCommitter implements Committer<KafkaCommittable> {
  private cluster: Promise<KafkaJsCluster> | undefined;
  private readonly logger: Logger;
  /** Transactions the broker aborted before their commit and that were skipped (`onLostTransaction: 'continue'`). */
  private readonly lostTransactions: Counter;

  /** `connect` is for tests (a fake cluster); by default the committer opens its own connections lazily. */
  constructor(
    private readonly options: ResolvedKafkaSinkOptions,
    ctx: CommitterInitContext,
    private readonly connect: () => Promise<KafkaJsCluster> = () => this.openCluster(),
  ) {
    this.logger = ctx.logger.child({ component: 'kafka-committer' });
    this.lostTransactions = ctx.metricGroup.counter('lostTransactions');
  }

  async commit(requests: readonly CommitRequest<KafkaCommittable>[]): Promise<void> {
    if (phaseMarkersEnabled()) {
      const ids = requests.map((r) => r.committable.transactionalId);
      await emitPhaseMarker('precommitted', ids);
      await Promise.all(requests.map((request) => this.commitOne(request)));
      await emitPhaseMarker('committed', ids);
      return;
    }
    await Promise.all(requests.map((request) => this.commitOne(request)));
  }

  async close(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    if (cluster) await (await cluster.catch(() => undefined))?.disconnect().catch(() => undefined);
  }

  private async commitOne(request: CommitRequest<KafkaCommittable>): Promise<void> {
    const c = request.committable;
    try {
      await retry(() => this.endTxn(c), {
        maxAttempts: 6,
        initialDelayMs: 50,
        maxDelayMs: 2000,
        isRetriable: isTransientCoordinatorError,
        operation: `commit of Kafka transaction ${c.transactionalId}`,
      });
      await retry(() => this.endTxn(c), {
        maxAttempts: COMPLETION_ATTEMPTS,
        initialDelayMs: 10,
        maxDelayMs: 500,
        isRetriable: isTransientCoordinatorError,
        operation: `wait for the commit markers of Kafka transaction ${c.transactionalId}`,
      });
      this.logger.debug({ ...c }, 'committed Kafka transaction');
    } catch (error) {
      const type = kafkaErrorType(error);
      if (type !== undefined && LOST_TYPES.has(type)) {
        const lost = this.lostError(c, type, error);
        if (this.options.onLostTransaction === 'continue') {
          this.lostTransactions.inc();
          this.logger.error({ err: lost }, `${lost.message} (skipped: onLostTransaction is "continue")`);
          request.signalFailedWithKnownReason(lost);
        } else {
          request.signalFailedWithUnknownReason(lost);
        }
      } else if (isTransientCoordinatorError(error)) {
        this.logger.warn({ err: toError(error), transactionalId: c.transactionalId }, 'commit retried later');
        request.retryLater();
      } else {
        request.signalFailedWithUnknownReason(
          wrapKafkaError(
            error,
            'EndTxn',
            { transactionalId: c.transactionalId },
            KafkaErrorCodes.COMMIT_FAILED,
          ),
        );
      }
    }
  }

  /** The runtime wraps it in "Commit of checkpoint N failed", which names the checkpoint. */
  private lostError(c: KafkaCommittable, type: string, cause: unknown): TributaryError {
    const timeoutMs = this.options.transactionTimeoutMs;
    return new TributaryError(
      KafkaErrorCodes.TXN_LOST,
      `Kafka transaction ${c.transactionalId} (producer id ${c.producerId}, epoch ${c.producerEpoch}) was pre-committed but can no longer be committed (${type}): the broker aborted it, most likely because the job was down longer than kafka.sink.transactionTimeoutMs (${timeoutMs} ms), so its records are lost. Raise kafka.sink.transactionTimeoutMs above the longest downtime (and the brokers' transaction.max.timeout.ms with it), or set kafka.sink.onLostTransaction: "continue" to accept the loss`,
      { cause, context: { ...c, kafkaError: type, transactionTimeoutMs: timeoutMs } },
    );
  }

  private async endTxn(c: KafkaCommittable): Promise<void> {
    const cluster = await this.connected();
    const coordinator = await cluster.findGroupCoordinator({
      groupId: c.transactionalId,
      coordinatorType: TRANSACTION_COORDINATOR,
    });
    await coordinator.endTxn({
      transactionalId: c.transactionalId,
      producerId: c.producerId,
      producerEpoch: c.producerEpoch,
      transactionResult: true,
    });
  }

  private async openCluster(): Promise<KafkaJsCluster> {
    const kafka = createKafkaClient(
      { ...this.options, clientId: `${this.options.clientId}-committer` },
      this.logger,
    );
    const cluster = createCluster(kafka, { metadataMaxAgeMs: this.options.metadataMaxAgeMs });
    await cluster.connect();
    return cluster;
  }

  private connected(): Promise<KafkaJsCluster> {
    this.cluster ??= this.connect();
    const pending = this.cluster;
    pending.catch(() => {
      if (this.cluster === pending) this.cluster = undefined;
    });
    return pending;
  }
}
