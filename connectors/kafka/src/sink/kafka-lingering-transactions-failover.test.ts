import { createJsonLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { Encoder } from '../client/flexible-request.js';
import type { KafkaJsBroker, KafkaJsCluster } from '../client/kafkajs-internals.js';
import { abortLingeringTransactions, type LingeringCleanup } from './kafka-lingering-transactions.js';
import type { TransactionalIdProber } from './kafka-transaction-aborter.js';

/** A ListTransactions v0 response body (after the correlation id) listing `ids` as Ongoing. */
function listTransactionsResponse(ids: readonly string[]): Buffer {
  const e = new Encoder()
    .writeUVarInt(0) // response header tagged fields
    .writeInt32(0) // throttle time
    .writeInt16(0) // error code
    .writeUVarInt(1) // unknown state filters: none
    .writeUVarInt(ids.length + 1);
  for (const id of ids) e.writeUVarIntString(id).writeInt64(7).writeUVarIntString('Ongoing').writeUVarInt(0);
  return e.writeUVarInt(0).buffer;
}

function liveBroker(ids: readonly string[]): KafkaJsBroker {
  return {
    versions: { 66: { minVersion: 0, maxVersion: 1 } },
    connectionPool: {
      send: async ({ response }: { response: { decode(raw: Buffer): Promise<unknown> } }) =>
        response.decode(listTransactionsResponse(ids)),
    },
  } as unknown as KafkaJsBroker;
}

/** kafkajs's error for a broker port nobody listens on any more (a SIGKILLed broker). */
function connectionRefused(): Error {
  return Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9094'), {
    name: 'KafkaJSConnectionError',
    code: 'ECONNREFUSED',
  });
}

/**
 * A 2-broker view as kafkajs has it right after broker 3 died: still in the cached metadata, its
 * port refusing connections, until a metadata refresh (the controller has fenced it) drops it.
 */
function clusterWithDeadBroker(): { cluster: KafkaJsCluster; refreshes: () => number } {
  let refreshes = 0;
  const nodes = new Map<number, KafkaJsBroker | undefined>([
    [1, liveBroker(['job-0-1', 'job-1-0'])],
    [3, undefined],
  ]);
  const cluster = {
    refreshMetadataIfNecessary: async () => undefined,
    refreshMetadata: async () => {
      refreshes++;
      nodes.delete(3);
    },
    getNodeIds: () => [...nodes.keys()].map(String),
    findBroker: async ({ nodeId }: { nodeId: number | string }) => {
      const broker = nodes.get(Number(nodeId));
      if (broker === undefined) throw connectionRefused();
      return broker;
    },
  } as unknown as KafkaJsCluster;
  return { cluster, refreshes: () => refreshes };
}

const cleanup: LingeringCleanup = {
  prefixes: ['job'],
  subtaskId: 0,
  parallelism: 1,
  restoredParallelism: 0,
  pendingIds: new Set(),
  legacyStarts: new Map(),
  legacyStartIndex: undefined,
};

describe('abortLingeringTransactions while a broker fails over', () => {
  // Failed before the fix with "Connection error: connect ECONNREFUSED": ListTransactions went to
  // every broker of kafkajs's cached metadata, the dead one included, and gave up at once.
  it('refreshes the metadata after a refused connection and lists the transactions of the live brokers', async () => {
    const { cluster, refreshes } = clusterWithDeadBroker();
    const aborted: string[] = [];
    const prober: TransactionalIdProber = {
      inspect: async () => 'closed',
      abort: async (id) => {
        aborted.push(id);
      },
    };
    const result = await abortLingeringTransactions(
      cluster,
      prober,
      createJsonLogger({ level: 'error' }),
      cleanup,
      60_000,
    );
    expect(result).toEqual(['job-0-1', 'job-1-0']);
    expect(aborted.sort()).toEqual(['job-0-1', 'job-1-0']);
    expect(refreshes()).toBe(1);
  });

  it('gives up at the refused connection without a failover window (coordinatorFailoverTimeoutMs: 0)', async () => {
    const { cluster, refreshes } = clusterWithDeadBroker();
    const prober: TransactionalIdProber = { inspect: async () => 'closed', abort: async () => undefined };
    await expect(
      abortLingeringTransactions(cluster, prober, createJsonLogger({ level: 'error' }), cleanup, 0),
    ).rejects.toThrow(/ECONNREFUSED/);
    expect(refreshes()).toBe(0);
  });
});
