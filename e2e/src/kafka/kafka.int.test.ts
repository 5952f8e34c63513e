import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useService } from '../services/use-service.js';
import type { KafkaService } from './kafka-service.js';

describe('kafka service', () => {
  let kafka: KafkaService;

  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  it('produces and consumes over PLAINTEXT', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const client = new Kafka(kafka.kafkaConfig());
    const producer = client.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { key: 'a', value: 'one' },
        { key: 'b', value: 'two' },
      ],
    });
    await producer.disconnect();
    const values = await consume(client, topic, 2);
    expect(values.sort()).toEqual(['one', 'two']);
  });

  it('reads only committed transactional records with read_committed', async () => {
    const topic = await kafka.createTopic();
    const client = new Kafka(kafka.kafkaConfig());
    const producer = client.producer({
      transactionalId: `${topic}-txn`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted' }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
    await committed.commit();
    await producer.disconnect();

    const values = await consume(client, topic, 2, { readUncommitted: false });
    expect(values).toEqual(['committed-1', 'committed-2']);
  });

  it('authenticates with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER on the SASL listener', async () => {
    const topic = await kafka.createTopic();
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'] as const) {
      const producer = new Kafka(kafka.kafkaConfig({ sasl: mechanism })).producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ value: mechanism }] });
      await producer.disconnect();
    }
    const values = await consume(new Kafka(kafka.kafkaConfig({ sasl: 'scram-sha-256' })), topic, 4);
    expect(values).toEqual(['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer']);
  });

  it('serves TLS on the SSL listener with a certificate the handle trusts', async () => {
    const topic = await kafka.createTopic();
    const client = new Kafka(kafka.kafkaConfig({ tls: true }));
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'over-tls' }] });
    await producer.disconnect();
    expect(await consume(client, topic, 1)).toEqual(['over-tls']);
    expect(kafka.tls.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('rejects a wrong SCRAM password', async () => {
    const config = kafka.kafkaConfig({ sasl: 'scram-sha-256' });
    const producer = new Kafka({
      ...config,
      retry: { retries: 0 },
      sasl: { mechanism: 'scram-sha-256', username: kafka.connection.sasl.username, password: 'wrong' },
    }).producer();
    await expect(producer.connect()).rejects.toThrow(/SASL|authentication/i);
  });

  it('does not create topics automatically', () => {
    expect(kafka.connection.autoCreateTopics).toBe(false);
  });
});

async function consume(
  client: Kafka,
  topic: string,
  count: number,
  options: { readUncommitted?: boolean } = {},
): Promise<string[]> {
  const consumer = client.consumer({
    groupId: `${topic}-group`,
    readUncommitted: options.readUncommitted ?? false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value?.toString() ?? '');
            if (values.length >= count) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}
