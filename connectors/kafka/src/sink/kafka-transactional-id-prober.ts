import { describeTransaction, supportsDescribeTransactions } from '../client/describe-transactions.js';
import { wrapKafkaError } from '../client/kafka-errors.js';
import { type KafkaJsCluster, TRANSACTION_COORDINATOR } from '../client/kafkajs-internals.js';
import type { TransactionalIdProber, TransactionalIdStatus } from './kafka-transaction-aborter.js';
import type { TransactionalIdUse } from './kafka-transactional-id-pool.js';

/** Only `Ongoing` needs an abort; `Prepare*` states finish on their own. */
const OPEN_STATES = new Set(['Ongoing']);

/**
 * The prober of real brokers: DescribeTransactions where the coordinator supports it (Kafka ≥ 3.0,
 * no side effects), else InitProducerId (`init`, returning the new epoch; epoch 0 means the id was
 * never used, and the id is initialized from then on).
 */
export function transactionalIdProber(
  cluster: KafkaJsCluster,
  init: (transactionalId: string) => Promise<number>,
): TransactionalIdProber {
  return {
    async inspect(transactionalId): Promise<TransactionalIdStatus> {
      const coordinator = await cluster
        .findGroupCoordinator({ groupId: transactionalId, coordinatorType: TRANSACTION_COORDINATOR })
        .catch((error: unknown) => {
          throw wrapKafkaError(error, 'FindCoordinator', { transactionalId });
        });
      if (!supportsDescribeTransactions(coordinator)) {
        // The init has already aborted whatever was open: report it as such.
        return (await init(transactionalId)) === 0 ? 'unused' : 'open';
      }
      const described = await describeTransaction(coordinator, transactionalId).catch((error: unknown) => {
        throw wrapKafkaError(error, 'DescribeTransactions', { transactionalId });
      });
      if (described.state === undefined) return 'unused';
      return OPEN_STATES.has(described.state) ? 'open' : 'closed';
    },
    async abort(transactionalId) {
      const coordinator = await cluster.findGroupCoordinator({
        groupId: transactionalId,
        coordinatorType: TRANSACTION_COORDINATOR,
      });
      // Without DescribeTransactions, inspect() has aborted it already.
      if (supportsDescribeTransactions(coordinator)) await init(transactionalId);
    },
  };
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
    const coordinator = await cluster
      .findGroupCoordinator({ groupId: transactionalId, coordinatorType: TRANSACTION_COORDINATOR })
      .catch((error: unknown) => {
        throw wrapKafkaError(error, 'FindCoordinator', { transactionalId });
      });
    if (!supportsDescribeTransactions(coordinator)) return 'unknown';
    const described = await describeTransaction(coordinator, transactionalId).catch((error: unknown) => {
      throw wrapKafkaError(error, 'DescribeTransactions', { transactionalId });
    });
    if (described.state === 'CompleteCommit') return 'committed';
    return described.state === undefined || FREE_STATES.has(described.state) ? 'free' : 'busy';
  };
}
