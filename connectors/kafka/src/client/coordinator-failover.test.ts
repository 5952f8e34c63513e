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

const notCoordinator = () => Object.assign(new Error('not the coordinator'), { type: 'NOT_COORDINATOR' });
const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED'), { name: 'KafkaJSConnectionError', code: 'ECONNREFUSED' });

describe('retryThroughFailover', () => {
  it('retries connection failures and moved coordinators, refreshing the metadata before each further attempt', async () => {
    const { cluster, refreshes } = countingCluster();
    const failures = [refused(), notCoordinator(), refused()];
    let attempts = 0;
    const result = await retryThroughFailover(
      cluster,
      'InitProducerId of t-0',
      async () => {
        attempts++;
        const failure = failures.shift();
        if (failure) throw failure;
        return 'ok';
      },
      60_000,
    );
    expect(result).toBe('ok');
    expect(attempts).toBe(4);
    expect(refreshes()).toBe(3);
  });

  it('does not retry an answer that is no failover (e.g. an invalid transaction timeout)', async () => {
    const { cluster, refreshes } = countingCluster();
    let attempts = 0;
    const invalid = Object.assign(new Error('invalid timeout'), { type: 'INVALID_TRANSACTION_TIMEOUT' });
    await expect(
      retryThroughFailover(
        cluster,
        'InitProducerId of t-0',
        async () => {
          attempts++;
          throw invalid;
        },
        60_000,
      ),
    ).rejects.toBe(invalid);
    expect(attempts).toBe(1);
    expect(refreshes()).toBe(0);
  });

  it('gives up with the last error once the failover budget has passed', async () => {
    const { cluster } = countingCluster();
    const error = refused();
    await expect(
      retryThroughFailover(
        cluster,
        'ListTransactions',
        async () => {
          throw error;
        },
        100,
      ),
    ).rejects.toBe(error);
  });

  it('with a budget of 0 makes the first attempt only (coordinatorFailoverTimeoutMs: 0)', async () => {
    const { cluster, refreshes } = countingCluster();
    const error = refused();
    let attempts = 0;
    await expect(
      retryThroughFailover(
        cluster,
        'InitProducerId of t-0',
        async () => {
          attempts++;
          throw error;
        },
        0,
      ),
    ).rejects.toBe(error);
    expect(attempts).toBe(1);
    expect(refreshes()).toBe(0);
  });
});
