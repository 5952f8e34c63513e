import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CollectSink,
  DataGeneratorSource,
  type DeserializationSchema,
  Pipeline,
  type SerializationSchema,
  Watermarks,
} from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KafkaSink,
  KafkaSource,
  kafkaMessageDeserializer,
  kafkaRecordSerializer,
  type UpsertRecord,
  upsertKafkaRecordDeserializer,
  upsertKafkaRecordSerializer,
  utf8Schema,
  valueOnly,
} from './index.js';
import { readTopic } from './testing-fixtures/committed-reader.js';
import { exactInput } from './testing-fixtures/exact-input.js';

/**
 * The snippets of docs/connectors/kafka.md and the package README (the `#region`s below), run
 * against the real broker. docs-sections.test.ts copies them into the Markdown.
 */
interface Order {
  readonly id: string;
  readonly customer: string;
  readonly amount: number;
  readonly ts: number;
}

// Stand-ins for a JSON format package: the snippets only need the schema interfaces.
function json<T>(): SerializationSchema<T> & DeserializationSchema<T> {
  return {
    serialize: (value) => new TextEncoder().encode(JSON.stringify(value)),
    deserialize: (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as T,
  };
}
const text = { ...utf8Schema, serialize: (v: string) => new TextEncoder().encode(v) };

describe('kafka docs examples (real broker)', () => {
  let kafka: KafkaService;
  let dir: string;
  beforeAll(async () => {
    kafka = await useService('kafka');
    dir = await mkdtemp(join(tmpdir(), 'kafka-docs-'));
  });
  afterAll(async () => {
    await kafka?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function produceOrders(topic: string, orders: readonly Order[]): Promise<void> {
    const producer = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer(exactInput);
    await producer.connect();
    await producer.send({
      topic,
      messages: orders.map((o) => ({ key: o.customer, value: JSON.stringify(o) })),
    });
    await producer.disconnect();
  }

  it('exactly-once pipeline: Kafka → filter → Kafka', async () => {
    const brokers = kafka.brokers;
    const ordersTopic = await kafka.createTopic({ prefix: 'orders', partitions: 3 });
    const bigOrdersTopic = await kafka.createTopic({ prefix: 'big-orders', partitions: 3 });
    const orders = Array.from({ length: 200 }, (_, i) => ({
      id: `o${i}`,
      customer: `c${i % 7}`,
      amount: i * 10,
      ts: 1_700_000_000_000 + i,
    }));
    await produceOrders(ordersTopic, orders);
    const jobName = `big-orders-job-${ordersTopic}`; // unique per test run
    // #region exactly-once
    const source = new KafkaSource(
      {
        brokers,
        topics: [ordersTopic],
        groupId: jobName, // offsets are committed here on every completed checkpoint
        startingOffsets: 'committed', // …and a first run starts at offsetResetStrategy (earliest)
        stoppingOffsets: 'latest', // bounded for this example; leave out to run forever
      },
      valueOnly(json<Order>()),
    );
    const sink = new KafkaSink<Order>(
      {
        brokers,
        deliveryGuarantee: 'exactly-once',
        transactionalIdPrefix: jobName, // unique per job, stable across restarts
        transactionTimeoutMs: 15 * 60_000, // ≤ the brokers' transaction.max.timeout.ms
      },
      kafkaRecordSerializer({
        topic: bigOrdersTopic,
        key: (order) => order.customer, // same customer → same partition, in order
        value: json<Order>(),
        headers: (order) => ({ source: 'tributary', orderId: order.id }),
      }),
    );
    await Pipeline.from(source, { watermarks: Watermarks.boundedOutOfOrderness<Order>(5_000) })
      .filter((order) => order.amount >= 1000)
      .sinkTo(sink)
      .execute({
        parallelism: 3,
        checkpointing: { intervalMs: 10_000, directory: join(dir, 'checkpoints') },
        restartStrategy: { type: 'exponential-backoff' },
      });
    // #endregion exactly-once
    const written = (await readTopic(brokers, bigOrdersTopic)).flatMap((p) =>
      p.values.map((v) => JSON.parse(v) as Order),
    );
    expect(written.map((o) => o.id).sort()).toEqual(
      orders
        .filter((o) => o.amount >= 1000)
        .map((o) => o.id)
        .sort(),
    );
  });

  it('source start and stop positions and record metadata', async () => {
    const brokers = kafka.brokers;
    const topic = await kafka.createTopic({ prefix: 'events', partitions: 2 });
    await produceOrders(topic, [{ id: 'a', customer: 'x', amount: 1, ts: 0 }]);
    const yesterday = Date.now() - 86_400_000;
    // #region source-positions
    const replayLastDay = new KafkaSource(
      {
        brokers,
        topicPattern: `^${topic}$`, // or topics: [...], or partitions: [{ topic, partition }]
        startingOffsets: { timestamp: yesterday },
        stoppingOffsets: 'latest',
        isolationLevel: 'read_committed',
      },
      // key and value through schemas; topic, partition, offset, timestamp and headers as metadata
      kafkaMessageDeserializer({ key: utf8Schema, value: json<Order>() }),
    );
    // #endregion source-positions
    using out = CollectSink.create<{ topic: string; offset: number; key: string | null }>();
    await Pipeline.from(replayLastDay).sinkTo(out.sink).execute();
    expect(out.results()).toEqual([expect.objectContaining({ topic, offset: 0, key: 'x' })]);
  });

  it('upsert mode on a compacted topic', async () => {
    const brokers = kafka.brokers;
    const customersTopic = await kafka.createTopic({
      prefix: 'customers',
      config: { 'cleanup.policy': 'compact' },
    });
    const changes: UpsertRecord<string, { name: string }>[] = [
      { kind: 'upsert', key: 'c1', value: { name: 'Ada' } },
      { kind: 'upsert', key: 'c2', value: { name: 'Grace' } },
      { kind: 'delete', key: 'c1' },
    ];
    const tableName = `customers-table-${customersTopic}`;
    const changelog = new DataGeneratorSource({
      generator: (i) => changes[i] as UpsertRecord<string, { name: string }>,
      count: changes.length,
    });
    // #region upsert
    // Write: upserts become key + value, deletes become tombstones (null values).
    await Pipeline.from(changelog)
      .sinkTo(
        new KafkaSink(
          { brokers, deliveryGuarantee: 'exactly-once', transactionalIdPrefix: tableName },
          upsertKafkaRecordSerializer({ topic: customersTopic, key: text, value: json<{ name: string }>() }),
        ),
      )
      .execute({ checkpointing: { intervalMs: 5_000 } });

    // Read: values are upserts of their key, tombstones deletes.
    const table = new KafkaSource(
      { brokers, topics: [customersTopic], stoppingOffsets: 'latest' },
      upsertKafkaRecordDeserializer({ key: utf8Schema, value: json<{ name: string }>() }),
    );
    // #endregion upsert
    using out = CollectSink.create<UpsertRecord<string, { name: string }>>();
    await Pipeline.from(table).sinkTo(out.sink).execute();
    expect(out.results()).toEqual(changes);
  });

  it('TLS and SASL options (SCRAM against the broker’s SASL listener)', async () => {
    const topic = await kafka.createTopic({ prefix: 'secure' });
    await produceOrders(topic, [{ id: 's', customer: 'y', amount: 2, ts: 0 }]);
    const env: Record<string, string | undefined> = {
      KAFKA_BROKERS: kafka.connection.saslBrokers.join(','),
      KAFKA_USER: kafka.connection.sasl.username,
      KAFKA_PASSWORD: kafka.connection.sasl.password,
    };
    const caPem: string | undefined = undefined;
    // #region security
    const secured = new KafkaSource(
      {
        brokers: (env.KAFKA_BROKERS ?? '').split(','),
        // ssl: true uses the system CAs; pass PEM strings for a private CA or mutual TLS.
        ...(caPem === undefined ? {} : { ssl: { ca: caPem } }),
        sasl: {
          mechanism: 'scram-sha-512',
          username: env.KAFKA_USER ?? '',
          password: env.KAFKA_PASSWORD ?? '',
        },
        topics: [topic],
        stoppingOffsets: 'latest',
      },
      valueOnly(json<Order>()),
    );
    // #endregion security
    using out = CollectSink.create<Order>();
    await Pipeline.from(secured).sinkTo(out.sink).execute();
    expect(out.results().map((o) => o.id)).toEqual(['s']);
  });
});
