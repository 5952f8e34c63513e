import { retry } from '@tributary/core';
import {
  coordinatorRetryOptions,
  DEFAULT_COORDINATOR_FAILOVER_TIMEOUT_MS,
} from '../client/coordinator-failover.js';
import { describeTransactions, supportsDescribeTransactions } from '../client/describe-transactions.js';
import { kafkaErrorType, wrapKafkaError } from '../client/kafka-errors.js';
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

/** A coordinator without DescribeTransactions (Kafka < 3.0). */
const UNSUPPORTED = Symbol('DescribeTransactions unsupported');

/**
 * The transaction coordinators of a writer's ids, remembered: FindCoordinator is a round trip per
 * call in kafkajs, and a pool looks at the same few ids before every transaction. An entry is
 * dropped when a request to it fails, so a moved coordinator is looked up again. Requests to
 * them retry through a broker failover for up to `failoverTimeoutMs` (the sink's
 * `coordinatorFailoverTimeoutMs`).
 */
export class TransactionCoordinators {
  private readonly known = new Map<string, Promise<KafkaJsBroker>>();

  constructor(
    readonly cluster: KafkaJsCluster,
    readonly failoverTimeoutMs: number = DEFAULT_COORDINATOR_FAILOVER_TIMEOUT_MS,
  ) {}

  of(transactionalId: string): Promise<KafkaJsBroker> {
    let coordinator = this.known.get(transactionalId);
    if (coordinator === undefined) {
      coordinator = this.cluster
        .findGroupCoordinator({ groupId: transactionalId, coordinatorType: TRANSACTION_COORDINATOR })
        .catch((error: unknown) => {
          throw wrapKafkaError(error, 'FindCoordinator', { transactionalId });
        });
      this.known.set(transactionalId, coordinator);
      coordinator.catch(() => this.forget([transactionalId]));
    }
    return coordinator;
  }

  forget(transactionalIds: Iterable<string>): void {
    for (const id of transactionalIds) this.known.delete(id);
  }
}

/** Whatever a caller hands in: a cluster (one-off lookups) or a writer's remembered coordinators. */
function coordinatorsOf(source: KafkaJsCluster | TransactionCoordinators): TransactionCoordinators {
  return source instanceof TransactionCoordinators ? source : new TransactionCoordinators(source);
}

/**
 * The coordinator's states of `transactionalIds` (`undefined`: never used), one DescribeTransactions
 * per coordinator, asking again while a coordinator moves or loads (`NOT_COORDINATOR`,
 * `COORDINATOR_LOAD_IN_PROGRESS`: e.g. right after `__transaction_state` was created on a fresh
 * cluster). `unsupported` for ids whose coordinator lacks the request (Kafka < 3.0).
 */
async function describeStates(
  coordinators: TransactionCoordinators,
  transactionalIds: readonly string[],
): Promise<Map<string, string | undefined | typeof UNSUPPORTED>> {
  return retry(
    async () => {
      try {
        const byCoordinator = new Map<KafkaJsBroker, string[]>();
        const brokers = await Promise.all(transactionalIds.map((id) => coordinators.of(id)));
        transactionalIds.forEach((id, i) => {
          const broker = brokers[i] as KafkaJsBroker;
          byCoordinator.set(broker, [...(byCoordinator.get(broker) ?? []), id]);
        });
        const states = new Map<string, string | undefined | typeof UNSUPPORTED>();
        await Promise.all(
          [...byCoordinator].map(async ([broker, ids]) => {
            if (!supportsDescribeTransactions(broker)) {
              for (const id of ids) states.set(id, UNSUPPORTED);
              return;
            }
            for (const d of await describeTransactions(broker, ids)) states.set(d.transactionalId, d.state);
          }),
        );
        return states;
      } catch (error) {
        coordinators.forget(transactionalIds);
        throw error;
      }
    },
    coordinatorRetryOptions(
      `DescribeTransactions of ${transactionalIds.join(', ')}`,
      coordinators.failoverTimeoutMs,
    ),
  ).catch((error: unknown) => {
    throw wrapKafkaError(error, 'DescribeTransactions', { transactionalIds });
  });
}

/** The coordinator's state of one id (`undefined`: never used). */
async function describeState(
  coordinators: TransactionCoordinators,
  transactionalId: string,
): Promise<string | undefined> {
  const state = (await describeStates(coordinators, [transactionalId])).get(transactionalId);
  return state === UNSUPPORTED ? undefined : state;
}

/**
 * The prober of real brokers: DescribeTransactions where the coordinator supports it (Kafka ≥ 3.0,
 * no side effects), else InitProducerId (`init`, returning the new epoch; epoch 0 means the id was
 * never used, and the id is initialized from then on).
 */
export function transactionalIdProber(
  source: KafkaJsCluster | TransactionCoordinators,
  init: (transactionalId: string) => Promise<number>,
  transactionTimeoutMs: number,
): TransactionalIdProber {
  const coordinators = coordinatorsOf(source);
  return {
    async inspect(transactionalId): Promise<TransactionalIdStatus> {
      const state = (await describeStates(coordinators, [transactionalId])).get(transactionalId);
      if (state === UNSUPPORTED) {
        // The init has already aborted whatever was open: report it as such.
        return (await init(transactionalId)) === 0 ? 'unused' : 'open';
      }
      if (state === undefined) return 'unused';
      return OPEN_STATES.has(state) ? 'open' : 'closed';
    },
    async abort(transactionalId) {
      // Without DescribeTransactions, inspect() has aborted it already.
      if (!supportsDescribeTransactions(await coordinators.of(transactionalId))) return;
      await fenceOnce(coordinators, transactionalId, transactionTimeoutMs);
      await awaitTransactionEnd(coordinators, transactionalId);
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
  coordinators: TransactionCoordinators,
  transactionalId: string,
  transactionTimeoutMs: number,
): Promise<void> {
  await retry(
    async () => {
      const coordinator = await coordinators.of(transactionalId);
      try {
        await coordinator.initProducerId({ transactionalId, transactionTimeout: transactionTimeoutMs });
      } catch (error) {
        if (kafkaErrorType(error) === 'CONCURRENT_TRANSACTIONS') return;
        coordinators.forget([transactionalId]);
        throw error;
      }
    },
    coordinatorRetryOptions(`abort of Kafka transaction ${transactionalId}`, coordinators.failoverTimeoutMs),
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
  source: KafkaJsCluster | TransactionCoordinators,
  transactionalId: string,
): Promise<string | undefined> {
  const coordinators = coordinatorsOf(source);
  return retry(
    async () => {
      const state = await describeState(coordinators, transactionalId);
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
 * Whether ids of the pool are in use, by one DescribeTransactions per coordinator (no side
 * effects); `unknown` on coordinators without it (Kafka < 3.0), where only initializing an id
 * would tell — and abort it.
 */
export function transactionalIdUses(
  source: KafkaJsCluster | TransactionCoordinators,
): (transactionalIds: readonly string[]) => Promise<TransactionalIdUse[]> {
  const coordinators = coordinatorsOf(source);
  return async (transactionalIds) => {
    if (transactionalIds.length === 0) return [];
    const states = await describeStates(coordinators, transactionalIds);
    return transactionalIds.map((id) => {
      const state = states.get(id);
      if (state === UNSUPPORTED) return 'unknown';
      if (state === 'CompleteCommit') return 'committed';
      return state === undefined || FREE_STATES.has(state) ? 'free' : 'busy';
    });
  };
}
