import { type KafkaService, useService } from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeTransaction,
  describeTransactions,
  supportsDescribeTransactions,
} from './describe-transactions.js';
import { createCluster, TRANSACTION_COORDINATOR } from './kafkajs-internals.js';

describe('DescribeTransactions (real broker)', () => {
  let kafka: KafkaService;
  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  it('reports an unknown id without creating it, and the state of a used one', async () => {
    const topic = await kafka.createTopic();
    const client = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING });
    const cluster = createCluster(client, { metadataMaxAgeMs: 60_000 });
    await cluster.connect();
    try {
      const id = `${topic}-described`;
      const coordinator = await cluster.findGroupCoordinator({
        groupId: id,
        coordinatorType: TRANSACTION_COORDINATOR,
      });
      expect(supportsDescribeTransactions(coordinator)).toBe(true);
      expect((await describeTransaction(coordinator, id)).state).toBeUndefined();
      expect((await describeTransaction(coordinator, id)).state).toBeUndefined();
      // kafkajs's own transactional producer opens a transaction on the id (the oracle).
      const producer = client.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const txn = await producer.transaction();
      await txn.send({ topic, messages: [{ value: 'x' }] });
      expect((await describeTransaction(coordinator, id)).state).toBe('Ongoing');
      await txn.commit();
      const after = await describeTransaction(coordinator, id);
      expect(['PrepareCommit', 'CompleteCommit']).toContain(after.state);
      // Several ids in one request, answered in the order asked (unknown ones without a state).
      const both = await describeTransactions(coordinator, [`${topic}-never-used`, id]);
      expect(both.map((d) => d.transactionalId)).toEqual([`${topic}-never-used`, id]);
      expect(both[0]?.state).toBeUndefined();
      expect(['PrepareCommit', 'CompleteCommit']).toContain(both[1]?.state);
      await producer.disconnect();
    } finally {
      await cluster.disconnect();
    }
  });
});
