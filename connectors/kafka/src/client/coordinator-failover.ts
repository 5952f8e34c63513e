import { type RetryOptions, retry } from '@tributary/core';
import { isTransientCoordinatorError } from './kafka-errors.js';
import type { KafkaJsCluster } from './kafkajs-internals.js';

/**
 * The default of how long a transaction-coordinator request keeps retrying while a broker fails
 * over (the sink's `coordinatorFailoverTimeoutMs`): the controller fences a dead broker after
 * `broker.session.timeout.ms` (9 s by default) and moves its `__transaction_state` partitions to
 * another replica, which loads them before it answers. 60 s, as the Java producer's
 * `max.block.ms` default bounds its `initTransactions()`.
 */
export const DEFAULT_COORDINATOR_FAILOVER_TIMEOUT_MS = 60_000;

/**
 * Retry options for a request to a transaction coordinator (or to every broker): transient
 * answers and connection failures are retried with backoff until `budgetMs` has passed since the
 * first attempt, however many attempts that takes (0: the first attempt only).
 */
export function coordinatorRetryOptions(operation: string, budgetMs: number): RetryOptions {
  const deadline = Date.now() + budgetMs;
  return {
    maxAttempts: Number.POSITIVE_INFINITY,
    initialDelayMs: 20,
    maxDelayMs: 1000,
    isRetriable: (error) => isTransientCoordinatorError(error) && Date.now() < deadline,
    operation,
  };
}

/**
 * Runs `request` until it succeeds, refreshing kafkajs's metadata before each further attempt:
 * kafkajs keeps a dead broker in its broker pool (and keeps asking it) until a refresh shows it
 * gone, and it looks the transaction coordinator up again (FindCoordinator) on each attempt only
 * if nothing caches the old one. A failed refresh is left to the next attempt.
 */
export function retryThroughFailover<T>(
  cluster: KafkaJsCluster,
  operation: string,
  request: () => Promise<T>,
  budgetMs: number,
): Promise<T> {
  return retry(
    async (attempt) => {
      if (attempt > 1) await cluster.refreshMetadata().catch(() => undefined);
      return request();
    },
    coordinatorRetryOptions(operation, budgetMs),
  );
}
