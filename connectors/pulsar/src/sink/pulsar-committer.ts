import {
  type CommitRequest,
  type Committer,
  type CommitterInitContext,
  type Counter,
  type Logger,
  TributaryError,
  toError,
} from '@tributary/core';
import { isRetriable, type PulsarClient, txnIdToString } from '@tributary/pulsar-client';
import { createPulsarClient } from '../pulsar-connection-options.js';
import { type PulsarCommittable, txnIdOf } from './pulsar-committable.js';
import { PulsarSinkErrorCodes } from './pulsar-sink-error-codes.js';
import type { ResolvedPulsarSinkOptions } from './pulsar-sink-options.js';
import type { TransactionEnder } from './pulsar-transaction-aborter.js';

/**
 * Commits pre-committed transactions with END_TXN by their stored id, from the committer's own
 * connection — also after a crash, when the writer that opened them is gone with its process.
 * The coordinator answers once every partition holds the commit marker, so a completed commit
 * means the records are readable.
 *
 * `TransactionNotFound` means the coordinator no longer knows the id: the transaction was committed
 * before (a retried commit, or the re-commit of a restored checkpoint) — or it was aborted after
 * `transactionTimeoutMs`, which the protocol does not let us tell apart. It is counted
 * (`transactionsNotFound`, and the runtime's `alreadyCommittedCommittables`) and logged as a
 * warning, and the job goes on, as Flink's Pulsar committer does.
 */
export class PulsarCommitter implements Committer<PulsarCommittable> {
  private coordinator: Promise<TransactionEnder> | undefined;
  private client: PulsarClient | undefined;
  private readonly logger: Logger;
  private readonly notFound: Counter;

  /** `connect` is for tests (a fake coordinator); by default the committer opens its own client lazily. */
  constructor(
    private readonly options: ResolvedPulsarSinkOptions,
    ctx: CommitterInitContext,
    private readonly connect: () => Promise<TransactionEnder> = () => this.openCoordinator(),
  ) {
    this.logger = ctx.logger.child({ component: 'pulsar-committer' });
    this.notFound = ctx.metricGroup.counter('transactionsNotFound');
  }

  async commit(requests: readonly CommitRequest<PulsarCommittable>[]): Promise<void> {
    await Promise.all(requests.map((request) => this.commitOne(request)));
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.coordinator = undefined;
    await client?.close().catch(() => undefined);
  }

  private async commitOne(request: CommitRequest<PulsarCommittable>): Promise<void> {
    const id = txnIdOf(request.committable);
    const name = txnIdToString(id);
    let outcome: string;
    try {
      outcome = await (await this.connected()).endTransaction(id, 'commit');
    } catch (error) {
      if (isRetriable(error)) {
        this.logger.warn(
          { err: toError(error), transaction: name },
          'commit of Pulsar transaction retried later',
        );
        request.retryLater();
        return;
      }
      request.signalFailedWithUnknownReason(
        new TributaryError(
          PulsarSinkErrorCodes.COMMIT_FAILED,
          `Pulsar sink: committing transaction ${name} failed: ${(error as Error)?.message ?? String(error)}`,
          { cause: error, context: { transaction: name } },
        ),
      );
      return;
    }
    if (outcome === 'not-found') {
      this.notFound.inc();
      this.logger.warn(
        {
          transaction: name,
          retries: request.numberOfRetries,
          transactionTimeoutMs: this.options.transactionTimeoutMs,
        },
        'Pulsar transaction not found on commit: committed before (a retried or restored commit), or aborted by the coordinator after transactionTimeoutMs',
      );
      request.signalAlreadyCommitted();
      return;
    }
    this.logger.debug({ transaction: name }, 'committed Pulsar transaction');
  }

  private async openCoordinator(): Promise<TransactionEnder> {
    await this.client?.close().catch(() => undefined);
    const client = createPulsarClient(this.options);
    this.client = client;
    return client.transactions();
  }

  private connected(): Promise<TransactionEnder> {
    this.coordinator ??= this.connect();
    const pending = this.coordinator;
    pending.catch(() => {
      if (this.coordinator === pending) this.coordinator = undefined;
    });
    return pending;
  }
}
