import { hasErrorCode, type SinkWriterMetricGroup } from '@tributary/core';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaErrorType } from '../client/kafka-errors.js';
import type { KafkaJsCluster } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import { KafkaProducerFactory } from './kafka-producer-factory.js';
import { KafkaSinkOptions } from './kafka-sink-options.js';
import { awaitTransactionEnd, transactionalIdProber } from './kafka-transactional-id-prober.js';

/** A DescribeTransactions v0 response body (after the size and correlation id) for one id. */
function describeResponse(transactionalId: string, state: string): Buffer {
  const compact = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s) + 1]), Buffer.from(s)]);
  const int = (bytes: number, value: number) => {
    const b = Buffer.alloc(bytes);
    if (bytes === 2) b.writeInt16BE(value);
    else if (bytes === 4) b.writeInt32BE(value);
    else b.writeBigInt64BE(BigInt(value));
    return b;
  };
  return Buffer.concat([
    Buffer.from([0]), // response header tagged fields
    int(4, 0), // throttle time
    Buffer.from([2]), // one transaction state
    int(2, 0),
    compact(transactionalId),
    compact(state),
    int(4, 60_000),
    int(8, 0),
    int(8, 7),
    int(2, 3),
    Buffer.from([1]), // no topics
    Buffer.from([0]), // tagged fields
    Buffer.from([0]),
  ]);
}

/** A coordinator that answers InitProducerId with `initError` (once) and walks through `states`. */
function fakeCoordinator(states: readonly string[], initError?: string) {
  const calls = { init: 0, describe: 0 };
  const broker = {
    nodeId: 1,
    versions: { 65: { minVersion: 0, maxVersion: 0 } },
    async initProducerId() {
      calls.init++;
      if (initError !== undefined && calls.init === 1) {
        throw Object.assign(new Error(`The broker answered ${initError}`), { type: initError });
      }
      return { producerId: '7', producerEpoch: 4 };
    },
    connectionPool: {
      async send({
        response,
      }: {
        response: { decode(raw: Buffer): Promise<unknown>; parse(d: unknown): Promise<unknown> };
      }) {
        const state = states[Math.min(calls.describe, states.length - 1)] as string;
        calls.describe++;
        return response.parse(await response.decode(describeResponse('p-0-1', state)));
      },
    },
  };
  const cluster = { findGroupCoordinator: async () => broker } as unknown as KafkaJsCluster;
  return { cluster, calls };
}

const noInit = async (): Promise<number> => {
  throw new Error('the fallback prober must not run on a broker with DescribeTransactions');
};

describe('aborting a lingering transaction', () => {
  it('fences once and watches the abort finish with DescribeTransactions (no InitProducerId retry on CONCURRENT_TRANSACTIONS)', async () => {
    const { cluster, calls } = fakeCoordinator(
      ['PrepareEpochFence', 'PrepareAbort', 'CompleteAbort'],
      'CONCURRENT_TRANSACTIONS',
    );
    await transactionalIdProber(cluster, noInit, 60_000).abort('p-0-1');
    expect(calls).toEqual({ init: 1, describe: 3 });
  });

  it('retries the fence on a moved coordinator, then waits', async () => {
    const { cluster, calls } = fakeCoordinator(['CompleteAbort'], 'NOT_COORDINATOR');
    await transactionalIdProber(cluster, noInit, 60_000).abort('p-0-1');
    expect(calls).toEqual({ init: 2, describe: 1 });
  });

  it('fails with a typed error when the fence is refused', async () => {
    const { cluster } = fakeCoordinator(['Ongoing'], 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
    const error = await transactionalIdProber(cluster, noInit, 60_000)
      .abort('p-0-1')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(hasErrorCode(error, KafkaErrorCodes.AUTH_FAILED)).toBe(true);
  });

  it('a commit under way counts as ending too: the wait returns its final state', async () => {
    const { cluster, calls } = fakeCoordinator(['PrepareCommit', 'CompleteCommit']);
    expect(await awaitTransactionEnd(cluster, 'p-0-1')).toBe('CompleteCommit');
    expect(calls.describe).toBe(2);
  });

  it("retries a moved coordinator only within the sink's coordinatorFailoverTimeoutMs", async () => {
    const abortWith = async (coordinatorFailoverTimeoutMs: number) => {
      const { cluster, calls } = fakeCoordinator(['CompleteAbort'], 'NOT_COORDINATOR');
      const options = KafkaSinkOptions.parse({ brokers: ['b:1'], coordinatorFailoverTimeoutMs });
      const factory = new KafkaProducerFactory({} as Kafka, cluster, options, {} as SinkWriterMetricGroup);
      const error = await factory
        .prober()
        .abort('p-0-1')
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      return { error, calls };
    };
    const without = await abortWith(0);
    expect(kafkaErrorType(without.error)).toBe('NOT_COORDINATOR');
    expect(without.calls).toEqual({ init: 1, describe: 0 });
    const within = await abortWith(60_000);
    expect(within.error).toBeUndefined();
    expect(within.calls).toEqual({ init: 2, describe: 1 });
  });
});
