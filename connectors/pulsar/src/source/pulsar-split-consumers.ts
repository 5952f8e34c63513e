import { type Logger, toError } from '@tributary/core';
import {
  type Consumer,
  type ConsumerOptions,
  type MessageId,
  type PulsarClient,
  parseTxnId,
} from '@tributary/pulsar-client';
import type { AckTransactions, PulsarPartitionSplit } from './pulsar-partition-split.js';

interface SplitConsumer {
  readonly split: PulsarPartitionSplit;
  readonly consumer: Consumer;
}

/**
 * The consumers of one reader's splits, shared by the fetch loop (which subscribes and reads)
 * and the reader (which acks on checkpoint completion and reports the backlog). A finished
 * split's consumer stays open until the reader closes, for its final ack.
 */
export class PulsarSplitConsumers {
  private readonly bySplit = new Map<string, SplitConsumer>();
  /** Last known subscription backlog by split id (the `pendingRecords` gauge). */
  readonly backlogs = new Map<string, number>();
  private readonly endedTransactions = new Set<string>();
  private openGate: (() => void) | undefined;
  /**
   * Shared/Key_Shared: resolves once every reader of the job ended its restored transactions
   * (the enumerator says so). Subscribing earlier could let a reader take newer messages of a key
   * while older ones still wait in a transaction another reader is about to abort: out of order.
   */
  readonly subscriptionsAllowed: Promise<void> = new Promise((resolve) => {
    this.openGate = resolve;
  });

  constructor(
    private readonly client: PulsarClient,
    private readonly logger: Logger,
    /** The reader's subscription: a restore acks covered entries again on it. */
    private readonly subscription: {
      readonly name: string;
      readonly type: NonNullable<ConsumerOptions['subscriptionType']>;
    },
  ) {}

  /** True once the reader started closing: nothing subscribes any more. */
  closing = false;

  /** Lets subscriptions go ahead (every reader of the job ended its restored transactions). */
  allowSubscriptions(): void {
    this.openGate?.();
  }

  /** The reader is closing: a subscription waiting for the gate gives up. */
  beginClose(): void {
    this.closing = true;
    this.openGate?.();
  }

  register(split: PulsarPartitionSplit, consumer: Consumer): void {
    this.bySplit.set(split.splitId, { split, consumer });
  }

  get(splitId: string): SplitConsumer | undefined {
    return this.bySplit.get(splitId);
  }

  /** The split read everything up to its stop: nothing is pending any more. */
  markFinished(splitId: string): void {
    this.backlogs.set(splitId, 0);
  }

  /** Reads the split's backlog (CONSUMER_STATS); failures keep the last value (monitoring only). */
  async refreshBacklog(splitId: string): Promise<void> {
    const entry = this.bySplit.get(splitId);
    if (entry === undefined) return;
    try {
      let total = 0;
      for (const backlog of (await entry.consumer.backlog()).values()) total += backlog;
      if (this.bySplit.get(splitId) === entry && this.backlogs.get(splitId) !== 0)
        this.backlogs.set(splitId, total);
    } catch (error) {
      this.logger.debug({ err: toError(error), splitId }, 'reading the subscription backlog failed');
    }
  }

  /** Exclusive/Failover: acknowledges everything up to `id` on the split's partition. */
  acknowledgeCumulative(splitId: string, id: MessageId): Promise<void> {
    const entry = this.bySplit.get(splitId);
    if (entry === undefined) return Promise.resolve();
    return entry.consumer.acknowledgeCumulativeId(entry.consumer.topics[0] as string, id);
  }

  /**
   * Shared/Key_Shared after a restore: commits the transactions the checkpoint covered (again,
   * when `notifyCheckpointComplete` already did: `not-found` then) and aborts the one opened
   * after it, so its acks never apply and the broker redelivers those messages. Each id once.
   *
   * Then acks `reack` (the committed transactions' entries by partition) again, outside any
   * transaction: the checkpoint is stored before the broker confirmed those acks, so a crash
   * can have lost them, and committing a transaction without them would let the broker
   * redeliver records the checkpoint's output already holds. Acking an acked entry again
   * changes nothing. A consumer that requests no messages (no permits) does it: no reader of
   * the job subscribes before every reader got here.
   */
  async endRestoredTransactions(
    transactions: AckTransactions,
    reack: ReadonlyMap<string, readonly MessageId[]> = new Map(),
  ): Promise<void> {
    if (transactions.commit.length === 0 && transactions.abort.length === 0) return;
    const coordinator = await this.client.transactions();
    const todo: [string, 'commit' | 'abort'][] = [
      ...transactions.commit.map((id): [string, 'commit'] => [id, 'commit']),
      ...transactions.abort.map((id): [string, 'abort'] => [id, 'abort']),
    ];
    for (const [id, action] of todo) {
      if (this.endedTransactions.has(id)) continue;
      this.endedTransactions.add(id);
      const outcome = await coordinator.endTransaction(parseTxnId(id), action);
      this.logger.info(
        { transaction: id, action, outcome },
        outcome === 'not-found'
          ? `restored ack transaction ${id} had already ended (committed at checkpoint completion, or timed out)`
          : `restored ack transaction ${id}: ${outcome}`,
      );
    }
    // Partitions in parallel: a restore of many partitions should not pay a subscribe each in turn.
    await Promise.all(
      [...reack]
        .filter(([, entries]) => entries.length > 0)
        .map(([topic, entries]) => this.ackAgain(topic, entries)),
    );
  }

  private async ackAgain(topic: string, entries: readonly MessageId[]): Promise<void> {
    const consumer = await this.client.subscribe({
      topic,
      subscription: this.subscription.name,
      subscriptionType: this.subscription.type,
      deferFlow: true,
    });
    try {
      await consumer.acknowledgeEntries(topic, entries);
    } finally {
      await consumer.close();
    }
    this.logger.info(
      { topic, entries: entries.length },
      `acked the restored checkpoint's ${entries.length} entries of ${topic} again`,
    );
  }

  async close(splitId: string): Promise<void> {
    const entry = this.bySplit.get(splitId);
    this.bySplit.delete(splitId);
    this.backlogs.delete(splitId);
    await entry?.consumer.close();
  }

  async closeAll(): Promise<void> {
    const all = [...this.bySplit.values()];
    this.bySplit.clear();
    await Promise.allSettled(all.map((e) => e.consumer.close()));
  }
}
