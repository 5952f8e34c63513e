import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type KafkaService, useService } from '../index.js';

/**
 * The "Using a service in a test" snippet of docs/e2e.md (the `#region` below), run against the
 * real broker; contract-docs.test.ts copies it into the page. It imports `useService` and
 * `KafkaService` from `@tributary/e2e`, `Kafka` from kafkajs and the hooks from vitest.
 */

/** Messages in a topic, read with kafkajs' admin client (the snippet's own assertion). */
async function messagesIn(topic: string): Promise<number> {
  const admin = new Kafka({ ...kafka.kafkaConfig(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

// #region use-service
let kafka: KafkaService;
beforeAll(async () => {
  kafka = await useService('kafka'); // started on first use, shared by every file and worker
});
afterAll(() => kafka.close()); // drops the topics this file created; the broker keeps running

it('round-trips', async () => {
  const topic = await kafka.createTopic({ partitions: 3 }); // unique name
  const producer = new Kafka(kafka.kafkaConfig()).producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key: 'k', value: 'hello' }] });
  await producer.disconnect();
  expect(await messagesIn(topic)).toBe(1);
});
// #endregion use-service
