import { hasErrorCode, type MetricRegistry } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import type { KafkaJsBroker, KafkaJsCluster } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import { commitRequests, committerContext } from '../testing-fixtures/kafka-test-contexts.js';
import type { KafkaCommittable } from './kafka-committable.js';
import { KafkaCommitter } from './kafka-committer.js';
import { KafkaSinkOptions } from './kafka-sink-options.js';

const options = KafkaSinkOptions.parse({
  brokers: ['localhost:9092'],
  deliveryGuarantee: 'exactly-once',
  transactionalIdPrefix: 'p',
});

function protocolError(type: string, retriable = false): Error {
  return Object.assign(new Error(type), { type, retriable, name: 'KafkaJSProtocolError' });
}

/** A fake cluster whose coordinator answers EndTxn from a script per transactional id. */
function fakeCluster(script: Record<string, (Error | 'ok')[]>) {
  const calls: {
    transactionalId: string;
    producerId: string;
    producerEpoch: number;
    transactionResult: boolean;
  }[] = [];
  const broker = {
    async endTxn(request: (typeof calls)[number]) {
      calls.push(request);
      const next = script[request.transactionalId]?.shift() ?? 'ok';
      if (next !== 'ok') throw next;
      return {};
    },
  } as unknown as KafkaJsBroker;
  const cluster = {
    findGroupCoordinator: async ({ coordinatorType }: { coordinatorType?: number }) => {
      expect(coordinatorType).toBe(1);
      return broker;
    },
    disconnect: async () => undefined,
  } as unknown as KafkaJsCluster;
  return { cluster, calls };
}

const txn = (id: string): KafkaCommittable => ({ transactionalId: id, producerId: '42', producerEpoch: 3 });

describe('KafkaCommitter', () => {
  it('commits each transaction with EndTxn(commit) and its stored producer id and epoch', async () => {
    const fake = fakeCluster({});
    const committer = new KafkaCommitter(options, committerContext(), async () => fake.cluster);
    const { requests, outcomes } = commitRequests([txn('p-0-1'), txn('p-1-1')]);
    await committer.commit(requests);
    expect(outcomes).toEqual([{ kind: 'success' }, { kind: 'success' }]);
    // Each EndTxn(commit) is sent twice: the second answers NONE only once the markers are written.
    const byId = [...fake.calls].sort((a, b) => a.transactionalId.localeCompare(b.transactionalId));
    expect(byId).toEqual([
      { transactionalId: 'p-0-1', producerId: '42', producerEpoch: 3, transactionResult: true },
      { transactionalId: 'p-0-1', producerId: '42', producerEpoch: 3, transactionResult: true },
      { transactionalId: 'p-1-1', producerId: '42', producerEpoch: 3, transactionResult: true },
      { transactionalId: 'p-1-1', producerId: '42', producerEpoch: 3, transactionResult: true },
    ]);
    await committer.close();
  });

  it('resolves only once the transaction is complete (CONCURRENT_TRANSACTIONS while markers are written)', async () => {
    // EndTxn answers NONE (PrepareCommit logged), then CONCURRENT_TRANSACTIONS twice, then NONE (CompleteCommit).
    const busy = () => protocolError('CONCURRENT_TRANSACTIONS', true);
    const fake = fakeCluster({ 'p-0-1': ['ok', busy(), busy(), 'ok'] });
    const committer = new KafkaCommitter(options, committerContext(), async () => fake.cluster);
    const { requests, outcomes } = commitRequests([txn('p-0-1')]);
    await committer.commit(requests);
    expect(outcomes).toEqual([{ kind: 'success' }]);
    expect(fake.calls).toHaveLength(4);
    await committer.close();
  });

  it('retries while the coordinator is busy finishing the transaction markers', async () => {
    const fake = fakeCluster({
      'p-0-1': [protocolError('CONCURRENT_TRANSACTIONS', true), protocolError('NOT_COORDINATOR', true)],
    });
    const committer = new KafkaCommitter(options, committerContext(), async () => fake.cluster);
    const { requests, outcomes } = commitRequests([txn('p-0-1')]);
    await committer.commit(requests);
    expect(outcomes).toEqual([{ kind: 'success' }]);
    // Two retried attempts and the commit, then the completion check.
    expect(fake.calls).toHaveLength(4);
  });

  it('hands a still-transient failure back to the runtime with retryLater', async () => {
    const busy = Array.from({ length: 10 }, () => protocolError('COORDINATOR_LOAD_IN_PROGRESS', true));
    const fake = fakeCluster({ 'p-0-1': busy });
    const committer = new KafkaCommitter(options, committerContext(), async () => fake.cluster);
    const { requests, outcomes } = commitRequests([txn('p-0-1')]);
    await committer.commit(requests);
    expect(outcomes).toEqual([{ kind: 'retry' }]);
  });

  it.each(['INVALID_PRODUCER_EPOCH', 'INVALID_TXN_STATE', 'INVALID_PRODUCER_ID_MAPPING'])(
    'fails the job on %s by default: the transaction is lost, the error names the id and the timeout to raise',
    async (type) => {
      const fake = fakeCluster({ 'p-0-1': [protocolError(type)] });
      const committer = new KafkaCommitter(options, committerContext(), async () => fake.cluster);
      const { requests, outcomes } = commitRequests([txn('p-0-1'), txn('p-0-2')]);
      await committer.commit(requests);
      expect(outcomes[0]?.kind).toBe('unknown');
      const error = (outcomes[0] as { error: unknown }).error;
      expect(hasErrorCode(error, KafkaErrorCodes.TXN_LOST)).toBe(true);
      expect(KafkaErrorCodes.TXN_LOST).toBe('TRIB_KAFKA_TRANSACTION_LOST');
      expect(String((error as Error).message)).toMatch(
        /p-0-1.*kafka\.sink\.transactionTimeoutMs \(900000 ms\).*onLostTransaction/,
      );
      expect(outcomes[1]).toEqual({ kind: 'success' });
    },
  );

  it('with onLostTransaction "continue" skips a lost transaction as a known failure, counted in lostTransactions', async () => {
    const fake = fakeCluster({ 'p-0-1': [protocolError('INVALID_PRODUCER_EPOCH')] });
    const ctx = committerContext();
    const lenient = KafkaSinkOptions.parse({ ...options, onLostTransaction: 'continue' });
    const committer = new KafkaCommitter(lenient, ctx, async () => fake.cluster);
    const registry = (ctx.metricGroup as unknown as { registry: MetricRegistry }).registry;
    expect(registry.sum('lostTransactions')).toBe(0);
    const { requests, outcomes } = commitRequests([txn('p-0-1'), txn('p-0-2')]);
    await committer.commit(requests);
    expect(outcomes[0]?.kind).toBe('known');
    expect(hasErrorCode((outcomes[0] as { error: unknown }).error, KafkaErrorCodes.TXN_LOST)).toBe(true);
    expect(outcomes[1]).toEqual({ kind: 'success' });
    expect(registry.sum('lostTransactions')).toBe(1);
  });

  it('fails the job on an unrecognised error (e.g. authorization)', async () => {
    const fake = fakeCluster({ 'p-0-1': [protocolError('TRANSACTIONAL_ID_AUTHORIZATION_FAILED')] });
    const committer = new KafkaCommitter(options, committerContext(), async () => fake.cluster);
    const { requests, outcomes } = commitRequests([txn('p-0-1')]);
    await committer.commit(requests);
    expect(outcomes[0]?.kind).toBe('unknown');
    expect(hasErrorCode((outcomes[0] as { error: unknown }).error, KafkaErrorCodes.AUTH_FAILED)).toBe(true);
  });

  it('connects lazily and reconnects after a failed connection', async () => {
    const fake = fakeCluster({});
    let attempts = 0;
    const committer = new KafkaCommitter(options, committerContext(), async () => {
      if (++attempts === 1) throw Object.assign(new Error('refused'), { name: 'KafkaJSConnectionError' });
      return fake.cluster;
    });
    expect(attempts).toBe(0);
    const { requests, outcomes } = commitRequests([txn('p-0-1')]);
    await committer.commit(requests);
    expect(outcomes).toEqual([{ kind: 'success' }]);
    expect(attempts).toBe(2);
  });
});
