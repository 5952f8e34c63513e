import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useService } from '../services/use-service.js';
import { readCommittedWithJavaConsumer } from './java-committed-reader.js';
import { listTransactionsWithJavaAdmin } from './java-transactions-lister.js';
import type { KafkaService } from './kafka-service.js';

describe('readCommittedWithJavaConsumer (the exactly-once oracle)', () => {
  let kafka: KafkaService;
  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  it('returns committed records only, in offset order, and reports an open transaction holding the LSO', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const client = new Kafka({ ...kafka.kafkaConfig(), logLevel: logLevel.NOTHING });
    const producer = (id: string) =>
      client.producer({ transactionalId: `${topic}-${id}`, idempotent: true, maxInFlightRequests: 1 });
    const committed = producer('c');
    const aborted = producer('a');
    const open = producer('o');
    for (const p of [committed, aborted, open]) await p.connect();
    try {
      // Interleave an aborted and a committed transaction in partition 0.
      const t1 = await committed.transaction();
      const t2 = await aborted.transaction();
      await t1.send({ topic, messages: [{ partition: 0, key: 'k', value: 'c1' }] });
      await t2.send({ topic, messages: [{ partition: 0, key: 'k', value: 'aborted' }] });
      await t1.send({
        topic,
        messages: [
          { partition: 0, value: 'c2' },
          { partition: 1, value: 'c3' },
        ],
      });
      await t2.abort();
      await t1.commit();
      // An open transaction in partition 1 after the committed records.
      const t3 = await open.transaction();
      await t3.send({ topic, messages: [{ partition: 1, value: 'open' }] });

      const partitions = await readCommittedWithJavaConsumer(kafka.brokers, topic);
      expect(partitions.map((p) => p.partition)).toEqual([0, 1]);
      expect(partitions[0]?.values).toEqual(['c1', 'c2']);
      expect(partitions[0]?.keys).toEqual(['k', null]);
      expect(partitions[0]?.lastStableOffset).toBe(partitions[0]?.highWatermark);
      expect(partitions[1]?.values).toEqual(['c3']);
      expect(partitions[1]?.lastStableOffset).toBeLessThan(partitions[1]?.highWatermark ?? 0);
      await t3.abort();
    } finally {
      for (const p of [committed, aborted, open]) await p.disconnect();
    }
  }, 120_000);

  it('listTransactionsWithJavaAdmin lists the ids of a prefix with their states (Kafka Admin, the id-count oracle)', async () => {
    const topic = await kafka.createTopic();
    const client = new Kafka({ ...kafka.kafkaConfig(), logLevel: logLevel.NOTHING });
    const producers = ['a', 'b'].map((id) =>
      client.producer({ transactionalId: `${topic}-${id}`, idempotent: true, maxInFlightRequests: 1 }),
    );
    for (const p of producers) await p.connect();
    try {
      const [committed, open] = await Promise.all(producers.map((p) => p.transaction()));
      await committed?.send({ topic, messages: [{ value: 'c' }] });
      await committed?.commit();
      await open?.send({ topic, messages: [{ value: 'o' }] });
      const listed = await listTransactionsWithJavaAdmin(kafka.brokers, `${topic}-`);
      expect(listed).toEqual([
        { transactionalId: `${topic}-a`, state: 'CompleteCommit' },
        { transactionalId: `${topic}-b`, state: 'Ongoing' },
      ]);
      expect(await listTransactionsWithJavaAdmin(kafka.brokers, `${topic}-none`)).toEqual([]);
      await open?.abort();
    } finally {
      for (const p of producers) await p.disconnect();
    }
  }, 120_000);
});
