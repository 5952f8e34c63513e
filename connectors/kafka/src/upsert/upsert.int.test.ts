import { CollectSink, DataGeneratorSource, Pipeline } from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaSink } from '../sink/kafka-sink.js';
import { utf8Schema } from '../source/kafka-record-deserializer.js';
import { KafkaSource } from '../source/kafka-source.js';
import { readTopic } from '../testing-fixtures/committed-reader.js';
import {
  type UpsertRecord,
  upsertKafkaRecordDeserializer,
  upsertKafkaRecordSerializer,
} from './upsert-record.js';

const text = { serialize: (v: string) => new TextEncoder().encode(v), deserialize: utf8Schema.deserialize };

describe('upsert mode on a compacted topic (real broker)', () => {
  let kafka: KafkaService;
  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  it('a changelog written exactly-once reads back as the same table', async () => {
    const topic = await kafka.createTopic({ partitions: 3, config: { 'cleanup.policy': 'compact' } });
    // 300 changes over 20 keys: every 7th change deletes its key.
    const change = (i: number): UpsertRecord<string, string> =>
      i % 7 === 6
        ? { kind: 'delete', key: `k${i % 20}` }
        : { kind: 'upsert', key: `k${i % 20}`, value: `v${i}` };
    const expected = new Map<string, string>();
    for (let i = 0; i < 300; i++) {
      const c = change(i);
      if (c.kind === 'delete') expected.delete(c.key);
      else expected.set(c.key, c.value);
    }
    await Pipeline.from(new DataGeneratorSource({ generator: change, count: 300, maxRecordsPerPoll: 25 }))
      .sinkTo(
        new KafkaSink(
          {
            brokers: kafka.brokers,
            deliveryGuarantee: 'exactly-once',
            transactionalIdPrefix: `${topic}-w`,
            transactionTimeoutMs: 60_000,
          },
          upsertKafkaRecordSerializer({ topic, key: text, value: text }),
        ),
      )
      // One writer: every change of a key must pass through the same writer to stay in order.
      .execute({ parallelism: 1, checkpointing: { intervalMs: 50 } });

    // Tombstones are on the topic (a null value per delete) and every key stays in one partition.
    const partitions = await readTopic(kafka.brokers, topic);
    expect(partitions.flatMap((p) => p.messages).filter((m) => m.value === null)).toHaveLength(42);
    const partitionOfKey = new Map<string, number>();
    for (const p of partitions) {
      for (const k of p.keys) {
        expect(partitionOfKey.get(k as string) ?? p.partition).toBe(p.partition);
        partitionOfKey.set(k as string, p.partition);
      }
    }

    using out = CollectSink.create<UpsertRecord<string, string>>();
    await Pipeline.from(
      new KafkaSource(
        { brokers: kafka.brokers, topics: [topic], stoppingOffsets: 'latest' },
        upsertKafkaRecordDeserializer({ key: utf8Schema, value: utf8Schema }),
      ),
    )
      .sinkTo(out.sink)
      .execute({ parallelism: 1 });
    const table = new Map<string, string>();
    for (const c of out.results()) {
      if (c.kind === 'delete') table.delete(c.key);
      else table.set(c.key, c.value);
    }
    expect(table).toEqual(expected);
  });
});
