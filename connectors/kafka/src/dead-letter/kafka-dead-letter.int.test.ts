import { Pipeline, RoutingSink, silentLogger } from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import { JsonDeserializationSchema } from '@tributary/format-json';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaRecordSerializer } from '../sink/kafka-record-serializer.js';
import { KafkaSink } from '../sink/kafka-sink.js';
import { valueOnly } from '../source/kafka-record-deserializer.js';
import { KafkaSource } from '../source/kafka-source.js';
import { readTopic } from '../testing-fixtures/committed-reader.js';
import { exactInput } from '../testing-fixtures/exact-input.js';
import { isKafkaDeadLetter, type KafkaDeadLetter, withDeadLetters } from './kafka-dead-letter.js';
import { DEAD_LETTER_HEADERS, kafkaDeadLetterSerializer } from './kafka-dead-letter-serializer.js';

interface Order {
  readonly id: number;
}
type Routed = Order | KafkaDeadLetter;

describe('dead letters (real broker): undeserializable records go to a dead-letter topic exactly once', () => {
  let kafka: KafkaService;
  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  it('routes good records and dead letters to their topics, across a restart, each exactly once', async () => {
    const input = await kafka.createTopic({ partitions: 2 });
    const output = await kafka.createTopic({ partitions: 2 });
    const deadLetters = await kafka.createTopic({ partitions: 1 });
    const total = 2000;
    const isBroken = (i: number) => i % 97 === 13;
    const producer = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer(exactInput);
    await producer.connect();
    await producer.send({
      topic: input,
      messages: Array.from({ length: total }, (_, i) => ({
        partition: i % 2,
        key: `k${i}`,
        value: isBroken(i) ? `{"id": ${i}, broken` : JSON.stringify({ id: i }),
        headers: { origin: 'test' },
      })),
    });
    await producer.disconnect();

    let failed = false;
    let seen = 0;
    const result = await Pipeline.from(
      // #region dead-letter-source
      new KafkaSource<Routed>(
        { brokers: kafka.brokers, topics: [input], stoppingOffsets: 'latest', maxRecordsPerPoll: 100 },
        withDeadLetters(valueOnly(new JsonDeserializationSchema<Order>())),
      ),
      // #endregion dead-letter-source
    )
      .map((record) => {
        if (!failed && ++seen > 1200) {
          failed = true;
          throw new Error('injected failure');
        }
        return record;
      })
      .sinkTo(
        // #region dead-letter-sinks
        new RoutingSink<Routed>(
          {
            orders: new KafkaSink<Routed>(
              {
                brokers: kafka.brokers,
                deliveryGuarantee: 'exactly-once',
                transactionalIdPrefix: `${output}-o`,
              },
              kafkaRecordSerializer({ topic: output, value: (r) => JSON.stringify(r) }),
            ),
            deadLetters: new KafkaSink<Routed>(
              {
                brokers: kafka.brokers,
                deliveryGuarantee: 'exactly-once',
                transactionalIdPrefix: `${deadLetters}-d`,
              },
              kafkaDeadLetterSerializer<Order>({ topic: deadLetters }),
            ),
          },
          (record) => (isKafkaDeadLetter(record) ? 'deadLetters' : 'orders'),
        ),
        // #endregion dead-letter-sinks
      )
      .execute(
        {
          parallelism: 2,
          checkpointing: { intervalMs: 50 },
          restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 50 },
        },
        { logger: silentLogger },
      );
    expect(result.restarts).toBe(1);

    const good = (await readTopic(kafka.brokers, output))
      .flatMap((p) => p.values)
      .map((v) => (JSON.parse(v) as Order).id)
      .sort((a, b) => a - b);
    const all = Array.from({ length: total }, (_, i) => i);
    expect(good).toEqual(all.filter((i) => !isBroken(i)));

    const [dlq] = await readTopic(kafka.brokers, deadLetters);
    const letters = (dlq?.messages ?? []).map((m) => ({
      value: m.value?.toString(),
      key: m.key?.toString(),
      origin: m.headers?.origin?.toString(),
      topic: m.headers?.[DEAD_LETTER_HEADERS.topic]?.toString(),
      offset: Number(m.headers?.[DEAD_LETTER_HEADERS.offset]?.toString()),
      code: m.headers?.[DEAD_LETTER_HEADERS.errorCode]?.toString(),
    }));
    const broken = all.filter(isBroken);
    expect(letters.map((l) => l.key).sort()).toEqual(broken.map((i) => `k${i}`).sort());
    for (const letter of letters) {
      const i = Number(letter.key?.slice(1));
      expect(letter).toMatchObject({ value: `{"id": ${i}, broken`, origin: 'test', topic: input });
      // Record i went to partition i % 2 as its (i >> 1)-th record.
      expect(letter.offset).toBe(Math.floor(i / 2));
      expect(letter.code).toMatch(/^TRIB_/);
    }
  });
});
