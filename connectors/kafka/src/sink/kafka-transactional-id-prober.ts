import { retry } from '@tributary/core';
import { describeTransaction, supportsDescribeTransactions } from '../client/describe-transactions.js';
import { isTransientCoordinatorError, kafkaErrorType, wrapKafkaError } from '../client/kafka-errors.js';
import {
  type KafkaJsBroker,
  type KafkaJsCluster,
  TRANSACTION_COORDINATOR,
} from '../client/kafkajs-internals.js';
import type { TransactionalIdProber, TransactionalIdStatus } from './kafka-transaction-aborter.js';
import type { TransactionalIdUse } from './kafka-transactional-id-pool.js';

/** Only `Ongoing` needs an abort; `Prepare*` states finish on their own. */
const OPEN_STATES = new Set(['Ongoing']);

/** States of a transaction the coordinator is still ending (markers being written), or that must end. */
const ENDING_STATES = new Set(['Ongoing', 'PrepareCommit', 'PrepareAbort', 'PrepareEpochFence']);

async function coordinatorOf(cluster: KafkaJsCluster, transactionalId: string): Promise<KafkaJsBroker> {
  return cluster
    .findGroupCoordinator({ groupId: transactionalId, coordinatorType: TRANSACTION_COORDINATOR })
    .catch((error: unknown) => {
      throw wrapKafkaError(error, 'FindCoordinator', { transactionalId });
    });
}

/**
 * The coordinator's state of `transactionalId` (`undefined`: never used), asking the coordinator
 * again while it moves or loads (`NOT_COORDINATOR`, `COORDINATOR_LOAD_IN_PROGRESS`: e.g. right
 * after `__transaction_state` was created on a fresh cluster).
 */
async function describeState(cluster: KafkaJsCluster, transactionalId: string): Promise<string | undefined> {
  return retry(
    async () =>
      (await describeTransaction(await coordinatorOf(cluster, transactionalId), transactionalId)).state,
    {
      maxAttempts: 8,
      initialDelayMs: 20,
      maxDelayMs: 1000,
      isRetriable: isTransientCoordinatorError,
      operation: `DescribeTransactions of ${transactionalId}`,
    },
  ).catch((error: unknown) => {
    throw wrapKafkaError(error, 'DescribeTransactions', { transactionalId });
  });
}

/**
 * The prober of real brokers: DescribeTransactions where the coordinator supports it (Kafka ≥ 3.0,
 * no side effects), else InitProducerId (`init`, returning the new epoch; epoch 0 means the id was
 * never used, and the id is initialized from then on).
 */
export function transactionalIdProber(
  cluster: KafkaJsCluster,
  init: (transactionalId: string) => Promise<number>,
  transactionTimeoutMs: number,
): TransactionalIdProber {
  return {
    async inspect(transactionalId): Promise<TransactionalIdStatus> {
      const coordinator = await coordinatorOf(cluster, transactionalId);
      if (!supportsDescribeTransactions(coordinator)) {
        // The init has already aborted whatever was open: report it as such.
        return (await init(transactionalId)) === 0 ? 'unused' : 'open';
      }
      const state = await describeState(cluster, transactionalId);
      if (state === undefined) return 'unused';
      return OPEN_STATES.has(state) ? 'open' : 'closed';
    },
    async abort(transactionalId) {
      // Without DescribeTransactions, inspect() has aborted it already.
      if (!supportsDescribeTransactions(await coordinatorOf(cluster, transactionalId))) return;
      await fenceOnce(cluster, transactionalId, transactionTimeoutMs);
      await awaitTransactionEnd(cluster, transactionalId);
    },
  };
}

/**
 * One InitProducerId on `transactionalId`: it bumps the epoch (fencing its producer) and, when a
 * transaction is open, makes the coordinator abort it and answer CONCURRENT_TRANSACTIONS — which
 * here means "abort under way", not "retry": kafkajs's producer retries it after 300 ms, 600 ms,
 * 1.2 s… (its client backoff), which put seconds on every restore; {@link awaitTransactionEnd}
 * watches the abort finish instead.
 */
async function fenceOnce(
  cluster: KafkaJsCluster,
  transactionalId: string,
  transactionTimeoutMs: number,
): Promise<void> {
  await retry(
    async () => {
      const coordinator = await coordinatorOf(cluster, transactionalId);
      try {
        await coordinator.initProducerId({ transactionalId, transactionTimeout: transactionTimeoutMs });
      } catch (error) {
        if (kafkaErrorType(error) !== 'CONCURRENT_TRANSACTIONS') throw error;
      }
    },
    {
      maxAttempts: 6,
      initialDelayMs: 20,
      maxDelayMs: 1000,
      isRetriable: isTransientCoordinatorError,
      operation: `abort of Kafka transaction ${transactionalId}`,
    },
  ).catch((error: unknown) => {
    throw wrapKafkaError(error, 'InitProducerId', { transactionalId });
  });
}

/** Thrown while a transaction is still ending: the wait below retries on it. */
class TransactionStillEnding extends Error {}

/**
 * Waits until the coordinator has finished ending `transactionalId`'s transaction (markers
 * written: `CompleteAbort`/`CompleteCommit`, or `Empty`), polling DescribeTransactions from 5 ms
 * up to 250 ms apart (~10 s in all); returns the final state. The markers usually take a few
 * milliseconds, so this costs a round trip or two where a blind retry of InitProducerId cost
 * hundreds of milliseconds.
 */
export async function awaitTransactionEnd(
  cluster: KafkaJsCluster,
  transactionalId: string,
): Promise<string | undefined> {
  return retry(
    async () => {
      const state = await describeState(cluster, transactionalId);
      if (state !== undefined && ENDING_STATES.has(state)) {
        throw new TransactionStillEnding(`Kafka transaction ${transactionalId} is still ${state}`);
      }
      return state;
    },
    {
      maxAttempts: 45,
      initialDelayMs: 5,
      maxDelayMs: 250,
      isRetriable: (error) => error instanceof TransactionStillEnding,
      operation: `wait for the end of Kafka transaction ${transactionalId}`,
    },
  ).catch((error: unknown) => {
    throw wrapKafkaError(error, 'DescribeTransactions', { transactionalId });
  });
}

/** States without a transaction to finish (besides `CompleteCommit`). */
const FREE_STATES = new Set(['Empty', 'CompleteAbort', 'Dead']);

/**
 * Whether an id of the pool is in use, by DescribeTransactions (no side effects); `unknown` on
 * coordinators without it (Kafka < 3.0), where only initializing the id would tell — and abort it.
 */
export function transactionalIdUse(
  cluster: KafkaJsCluster,
): (transactionalId: string) => Promise<TransactionalIdUse> {
  return async (transactionalId) => {
    const coordinator = await coordinatorOf(cluster, transactionalId);
    if (!supportsDescribeTransactions(coordinator)) return 'unknown';
    const state = await describeState(cluster, transactionalId);
    if (state === 'CompleteCommit') return 'committed';
    return state === undefined || FREE_STATES.has(state) ? 'free' : 'busy';
  };
}
