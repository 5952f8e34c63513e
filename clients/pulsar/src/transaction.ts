import type { PulsarClient } from './client.js';
import type { PulsarConnection } from './connection.js';
import {
  isRetriable,
  PulsarClosedError,
  PulsarServerError,
  PulsarTransactionFailedError,
  toError,
} from './errors.js';
import { BaseCommand_Type, ServerError, TxnAction } from './proto/PulsarApi_pb.js';
import { partitionTopicName } from './topic-name.js';

/** The topic whose partitions name the transaction coordinators (PIP-31). */
export const TRANSACTION_COORDINATOR_ASSIGN = 'persistent://pulsar/system/transaction_coordinator_assign';

/** A transaction id: `mostBits` is the coordinator's id, `leastBits` its counter. */
export interface TxnId {
  readonly mostBits: bigint;
  readonly leastBits: bigint;
}

export function txnIdToString(id: TxnId): string {
  return `(${id.mostBits},${id.leastBits})`;
}

/** `"(1,42)"` or `"1:42"` → TxnId. */
export function parseTxnId(text: string): TxnId {
  const match = text.match(/^\(?\s*(\d+)\s*[,:]\s*(\d+)\s*\)?$/);
  if (match === null) throw new Error(`invalid transaction id "${text}"; expected "(most,least)"`);
  return { mostBits: BigInt(match[1] as string), leastBits: BigInt(match[2] as string) };
}

/** How an END_TXN by id ended. */
export type EndTxnOutcome =
  | 'committed'
  | 'aborted'
  /** The coordinator no longer knows the id: it already ended (e.g. a retried commit) or timed out. */
  | 'not-found';

/**
 * Talks to the transaction coordinators: TC discovery from the partitions of
 * {@link TRANSACTION_COORDINATOR_ASSIGN}, TC_CLIENT_CONNECT, NEW_TXN, ADD_PARTITION_TO_TXN,
 * ADD_SUBSCRIPTION_TO_TXN and END_TXN, also for ids of transactions another connection or
 * process opened.
 */
export class TransactionCoordinatorClient {
  private coordinators: number | undefined;
  private connecting: Promise<void> | undefined;
  private nextCoordinator = 0;
  private readonly tcConnections = new Map<number, Promise<PulsarConnection>>();

  constructor(private readonly client: PulsarClient) {}

  connect(): Promise<void> {
    this.connecting ??= this.discover().catch((error) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async discover(): Promise<void> {
    const count = await this.client.withRetries(() =>
      this.client.partitionCount(TRANSACTION_COORDINATOR_ASSIGN),
    );
    if (count === 0) {
      throw new Error(
        `no transaction coordinators: ${TRANSACTION_COORDINATOR_ASSIGN} has no partitions (is transactionCoordinatorEnabled=true on the broker?)`,
      );
    }
    await Promise.all(Array.from({ length: count }, (_, tc) => this.coordinatorConnection(tc)));
    this.coordinators = count;
  }

  /**
   * A connection to coordinator `tc` on which TC_CLIENT_CONNECT succeeded, reused while it is open:
   * a lookup and a TC_CLIENT_CONNECT per transaction request would triple the round trips of every
   * NEW_TXN, ADD_PARTITION_TO_TXN and END_TXN.
   */
  private coordinatorConnection(tc: number): Promise<PulsarConnection> {
    const cached = this.tcConnections.get(tc);
    if (cached === undefined) return this.connectCoordinator(tc);
    return cached.then(
      (connection) => (connection.closed ? this.connectCoordinator(tc) : connection),
      () => this.connectCoordinator(tc),
    );
  }

  private connectCoordinator(tc: number): Promise<PulsarConnection> {
    const connecting = this.client.withRetries(async () => {
      const connection = await this.client.connectionFor(
        partitionTopicName(TRANSACTION_COORDINATOR_ASSIGN, tc),
      );
      await connection.request(`connect to transaction coordinator ${tc}`, (requestId) => ({
        type: BaseCommand_Type.TC_CLIENT_CONNECT_REQUEST,
        tcClientConnectRequest: { requestId, tcId: BigInt(tc) },
      }));
      return connection;
    });
    this.tcConnections.set(tc, connecting);
    connecting.catch(() => this.forgetCoordinator(tc, connecting));
    return connecting;
  }

  private forgetCoordinator(tc: number, connection: Promise<PulsarConnection>): void {
    if (this.tcConnections.get(tc) === connection) this.tcConnections.delete(tc);
  }

  /**
   * One request to coordinator `tc`. A failure that a fresh lookup may fix (the coordinator moved,
   * the connection broke) drops the cached connection, so the next request looks it up again.
   */
  private async coordinatorRequest(
    tc: number,
    operation: string,
    command: Parameters<PulsarConnection['request']>[1],
  ): ReturnType<PulsarConnection['request']> {
    const pending = this.coordinatorConnection(tc);
    const connection = await pending;
    try {
      return await connection.request(operation, command);
    } catch (error) {
      if (isRetriable(error)) this.forgetCoordinator(tc, this.tcConnections.get(tc) ?? pending);
      throw error;
    }
  }

  /** Opens a transaction that the coordinator aborts after `timeoutMs` unless it ended. */
  async newTransaction(timeoutMs: number): Promise<Transaction> {
    await this.connect();
    const tc = this.nextCoordinator++ % (this.coordinators as number);
    const answer = await this.coordinatorRequest(tc, 'new transaction', (requestId) => ({
      type: BaseCommand_Type.NEW_TXN,
      // The field is named `txn_ttl_seconds` but the coordinator reads milliseconds.
      newTxn: { requestId, txnTtlSeconds: BigInt(timeoutMs), tcId: BigInt(tc) },
    }));
    const response = answer.newTxnResponse;
    if (response === undefined) throw new Error('new transaction: no NEW_TXN_RESPONSE');
    return new Transaction(this, { mostBits: response.txnidMostBits, leastBits: response.txnidLeastBits });
  }

  async addPartitions(id: TxnId, partitions: readonly string[]): Promise<void> {
    await this.coordinatorRequest(
      Number(id.mostBits),
      `add partitions to transaction ${txnIdToString(id)}`,
      (requestId) => ({
        type: BaseCommand_Type.ADD_PARTITION_TO_TXN,
        addPartitionToTxn: {
          requestId,
          txnidMostBits: id.mostBits,
          txnidLeastBits: id.leastBits,
          partitions: [...partitions],
        },
      }),
    );
  }

  async addSubscription(id: TxnId, topic: string, subscription: string): Promise<void> {
    await this.coordinatorRequest(
      Number(id.mostBits),
      `add subscription to transaction ${txnIdToString(id)}`,
      (requestId) => ({
        type: BaseCommand_Type.ADD_SUBSCRIPTION_TO_TXN,
        addSubscriptionToTxn: {
          requestId,
          txnidMostBits: id.mostBits,
          txnidLeastBits: id.leastBits,
          subscription: [{ topic, subscription }],
        },
      }),
    );
  }

  /**
   * Commits or aborts a transaction by id — also one a crashed process opened (the broker allows
   * it for the same principal). `not-found` means the coordinator no longer knows it: it already
   * ended (a retried commit) or timed out (aborted).
   */
  async endTransaction(id: TxnId, action: 'commit' | 'abort'): Promise<EndTxnOutcome> {
    await this.connect();
    try {
      await this.client.withRetries(async () => {
        await this.coordinatorRequest(
          Number(id.mostBits),
          `${action} transaction ${txnIdToString(id)}`,
          (requestId) => ({
            type: BaseCommand_Type.END_TXN,
            endTxn: {
              requestId,
              txnidMostBits: id.mostBits,
              txnidLeastBits: id.leastBits,
              txnAction: action === 'commit' ? TxnAction.COMMIT : TxnAction.ABORT,
            },
          }),
        );
      });
      return action === 'commit' ? 'committed' : 'aborted';
    } catch (error) {
      if (error instanceof PulsarServerError && error.serverError === ServerError.TransactionNotFound) {
        return 'not-found';
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    this.connecting = undefined;
    this.tcConnections.clear();
  }
}

/**
 * An open transaction: registers each partition it writes to and each subscription it acks on
 * with the coordinator (once), tracks its in-flight sends and acks, and commits or aborts after
 * they completed.
 */
export class Transaction {
  private readonly partitions = new Map<string, Promise<void>>();
  private readonly subscriptions = new Map<string, Promise<void>>();
  private readonly operations: Promise<unknown>[] = [];
  private state: 'open' | 'ending' | 'committed' | 'aborted' = 'open';
  private failed: Error | undefined;

  constructor(
    private readonly coordinator: TransactionCoordinatorClient,
    readonly id: TxnId,
  ) {}

  get status(): 'open' | 'ending' | 'committed' | 'aborted' {
    return this.state;
  }

  private assertOpen(): void {
    if (this.state !== 'open') {
      throw new PulsarClosedError(`transaction ${txnIdToString(this.id)} is ${this.state}`);
    }
  }

  /** ADD_PARTITION_TO_TXN before the first send to `topic` in this transaction. */
  registerPartition(topic: string): Promise<void> {
    this.assertOpen();
    let added = this.partitions.get(topic);
    if (added === undefined) {
      added = this.coordinator.addPartitions(this.id, [topic]);
      this.partitions.set(topic, added);
      added.catch(() => this.partitions.delete(topic));
    }
    return added;
  }

  /** ADD_SUBSCRIPTION_TO_TXN before the first ack on `topic`/`subscription` in this transaction. */
  registerSubscription(topic: string, subscription: string): Promise<void> {
    this.assertOpen();
    const key = `${topic}\u0000${subscription}`;
    let added = this.subscriptions.get(key);
    if (added === undefined) {
      added = this.coordinator.addSubscription(this.id, topic, subscription);
      this.subscriptions.set(key, added);
      added.catch(() => this.subscriptions.delete(key));
    }
    return added;
  }

  /**
   * The first send or ack of this transaction that failed (the Java client's
   * `TransactionHasOperationFailedException`): such a transaction can only be aborted.
   */
  get failure(): Error | undefined {
    return this.failed;
  }

  /** Marks the transaction failed (a send of it failed or its outcome is unknown). */
  markFailed(error: Error): void {
    this.failed ??= error;
  }

  trackSend(done: Promise<void>): void {
    this.operations.push(done.catch((error: unknown) => this.markFailed(toError(error))));
  }

  trackAck(done: Promise<void>): void {
    this.operations.push(done.catch((error: unknown) => this.markFailed(toError(error))));
  }

  /**
   * Waits for the transaction's sends and acks, then commits. If one of them failed, the
   * transaction is aborted instead and {@link PulsarTransactionFailedError} thrown: a commit would
   * make visible a transaction with a message missing, or one stored twice.
   */
  async commit(): Promise<EndTxnOutcome> {
    this.assertOpen();
    this.state = 'ending';
    await Promise.all(this.operations);
    if (this.failed !== undefined) {
      const cause = this.failed;
      await this.coordinator.endTransaction(this.id, 'abort').catch(() => undefined);
      this.state = 'aborted';
      throw new PulsarTransactionFailedError(
        `transaction ${txnIdToString(this.id)} was aborted instead of committed: an operation inside it failed (${cause.message})`,
        { cause },
      );
    }
    const outcome = await this.coordinator.endTransaction(this.id, 'commit');
    this.state = outcome === 'committed' ? 'committed' : 'aborted';
    return outcome;
  }

  async abort(): Promise<EndTxnOutcome> {
    this.assertOpen();
    this.state = 'ending';
    await Promise.all(this.operations);
    const outcome = await this.coordinator.endTransaction(this.id, 'abort');
    this.state = 'aborted';
    return outcome;
  }
}
