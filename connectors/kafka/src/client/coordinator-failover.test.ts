import { describe, expect, it } from 'vitest';
import { retryThroughFailover } from './coordinator-failover.js';
import type { KafkaJsCluster } from './kafkajs-internals.js';

function countingCluster(): { cluster: KafkaJsCluster; refreshes: () => number } {
  let refreshes = 0;
  const cluster = {
    refreshMetadata: async () => {
      refreshes++;
    },
  } as unknown as KafkaJsCluster;
  return { cluster, refreshes: () => refreshes };
}

/** An attempt that throws `failures` in turn, then settles with `last` (returned, or thrown when an Error). */
function scriptedAttempt(
  failures: Error[],
  last: string | Error,
): { attempt: () => Promise<string>; calls: () => number } {
  let calls = 0;
  const attempt = async () => {
    calls++;
    const failure = failures.shift();
    if (failure) throw failure;
    if (last instanceof Error) throw last;
    return last;
  };
  return { attempt, calls: () => calls };
}

const notCoordinator = () => Object.assign(new Error('not the coordinator'), { type: 'NOT_COORDINATOR' });
const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED'), { name: 'KafkaJSConnectionError', code: 'ECONNREFUSED' });

describe('retryThroughFailover', () => {
  it('retries connection failures and moved coordinators, refreshing the metadata before each further attempt', async () => {
    const { cluster, refreshes } = countingCluster();
    const { attempt, calls } = scriptedAttempt([refused(), notCoordinator(), refused()], 'ok');
    const result = await retryThroughFailover(cluster, 'InitProducerId of t-0', attempt, 60_000);
    expect(result).toBe('ok');
    expect(calls()).toBe(4);
    expect(refreshes()).toBe(3);
  });

  it('does not retry an answer that is no failover (e.g. an invalid transaction timeout)', async () => {
    const { cluster, refreshes } = countingCluster();
    const invalid = Object.assign(new Error('invalid timeout'), { type: 'INVALID_TRANSACTION_TIMEOUT' });
    const { attempt, calls } = scriptedAttempt([], invalid);
    await expect(retryThroughFailover(cluster, 'InitProducerId of t-0', attempt, 60_000)).rejects.toBe(
      invalid,
    );
    expect(calls()).toBe(1);
    expect(refreshes()).toBe(0);
  });

  it('gives up with the last error once the failover budget has passed', async () => {
    const { cluster } = countingCluster();
    const error = refused();
    const { attempt, calls } = scriptedAttempt([], error);
    await expect(retryThroughFailover(cluster, 'ListTransactions', attempt, 100)).rejects.toBe(error);
    expect(calls()).toBeGreaterThan(1);
  });

  it('with a budget of 0 makes the first attempt only (coordinatorFailoverTimeoutMs: 0)', async () => {
    const { cluster, refreshes } = countingCluster();
    const error = refused();
    const { attempt, calls } = scriptedAttempt([], error);
    await expect(retryThroughFailover(cluster, 'InitProducerId of t-0', attempt, 0)).rejects.toBe(error);
    expect(calls()).toBe(1);
    expect(refreshes()).toBe(0);
  });
});
