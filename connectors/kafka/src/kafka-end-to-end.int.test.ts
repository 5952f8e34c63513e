import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectSink, Pipeline } from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaRecordSerializer } from './sink/kafka-record-serializer.js';
import { KafkaSink } from './sink/kafka-sink.js';
import {
  type KafkaMessage,
  kafkaMessageDeserializer,
  utf8Schema,
  valueOnly,
} from './source/kafka-record-deserializer.js';
import { KafkaSource } from './source/kafka-source.js';
import { readTopic } from './testing-fixtures/committed-reader.js';
import { exactInput } from './testing-fixtures/exact-input.js';

/** Fails the chain once, after it has seen `records` records. */
function failOnceAfter<T>(records: number): (value: T) => T {
  let seen = 0;
  let failed = false;
  return (value) => {
    if (!failed && ++seen > records) {
      failed = true;
      throw new Error('injected failure');
    }
    return value;
  };
}

describe('Kafka → Tributary → Kafka (real broker)', () => {
  let kafka: KafkaService;
  let client: Kafka;

  beforeAll(async () => {
    kafka = await useService('kafka');
    client = new Kafka({ brokers: kafka.brokers, clientId: 'kafka-e2e-test', logLevel: logLevel.NOTHING });
  });
  afterAll(async () => {
    await kafka?.close();
  });

  async function fill(topic: string, partitions: number, perPartition: number, tag = ''): Promise<void> {
    const producer = client.producer(exactInput);
    await producer.connect();
    for (let p = 0; p < partitions; p++) {
      for (let start = 0; start < perPartition; start += 1000) {
        const count = Math.min(1000, perPartition - start);
        await producer.send({
          topic,
          messages: Array.from({ length: count }, (_, i) => ({
            partition: p,
            key: `p${p}`,
            value: `${tag}p${p}-${start + i}`,
          })),
        });
      }
    }
    await producer.disconnect();
  }

  it('exactly-once with a failure: every input record appears once in the output, per-partition order kept', async () => {
    const input = await kafka.createTopic({ partitions: 3 });
    const output = await kafka.createTopic({ partitions: 3 });
    const perPartition = 3000;
    await fill(input, 3, perPartition);
    const source = new KafkaSource<KafkaMessage<string, string>>(
      { brokers: kafka.brokers, topics: [input], stoppingOffsets: 'latest', maxRecordsPerPoll: 200 },
      kafkaMessageDeserializer({ key: utf8Schema, value: utf8Schema }),
    );
    const sink = new KafkaSink<KafkaMessage<string, string>>(
      {
        brokers: kafka.brokers,
        deliveryGuarantee: 'exactly-once',
        transactionalIdPrefix: `${output}-job`,
        transactionTimeoutMs: 60_000,
      },
      kafkaRecordSerializer({
        topic: output,
        key: (m) => m.key,
        value: (m) => m.value,
        partitioner: (m) => m.partition,
      }),
    );
    const result = await Pipeline.from(source)
      .map(failOnceAfter<KafkaMessage<string, string>>(4000))
      .sinkTo(sink)
      .execute({
        parallelism: 2,
        checkpointing: { intervalMs: 50 },
        restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 50 },
      });
    expect(result.restarts).toBe(1);
    const partitions = await readTopic(kafka.brokers, output);
    for (const p of partitions) {
      expect(p.values).toEqual(Array.from({ length: perPartition }, (_, i) => `p${p.partition}-${i}`));
      expect(p.lastStableOffset).toBe(p.highWatermark);
    }
  });

  it('restores source positions from a savepoint and continues without loss or duplicates', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    await fill(topic, 2, 500);
    const dir = await mkdtemp(join(tmpdir(), 'kafka-savepoint-'));
    try {
      const source = () =>
        new KafkaSource<string>(
          {
            brokers: kafka.brokers,
            topics: [topic],
            stoppingOffsets: 'never',
            partitionDiscoveryIntervalMs: 0,
          },
          valueOnly(utf8Schema),
        );
      using first = CollectSink.create<string>({ deliveryGuarantee: 'exactly-once' });
      const job = Pipeline.from(source())
        .sinkTo(first.sink)
        .start({ parallelism: 2, checkpointing: { intervalMs: 50 } });
      await first.waitForCount(1000, { timeoutMs: 20_000 });
      const savepoint = await job.stopWithSavepoint({ directory: join(dir, 'sp') });
      await job.result;
      await fill(topic, 2, 100, 'after-');
      // Restore with a different parallelism: splits are redistributed with their offsets.
      using second = CollectSink.create<string>({ deliveryGuarantee: 'exactly-once' });
      const resumed = Pipeline.from(source())
        .sinkTo(second.sink)
        .start({ parallelism: 3, checkpointing: { intervalMs: 50 }, restoreFrom: savepoint });
      const more = await second.waitForCount(200, { timeoutMs: 20_000 });
      await resumed.cancel();
      const all = [...first.results(), ...more];
      expect(all).toHaveLength(1200);
      expect(new Set(all).size).toBe(1200);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
