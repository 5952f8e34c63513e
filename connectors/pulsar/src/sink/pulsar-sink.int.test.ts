import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectionSource, Pipeline, type SerializationSchema, silentLogger } from '@tributary/core';
import { fakeBatchContext, fakeWriterContext, recordingCommitRequests } from '@tributary/core/testing';
import { type PulsarService, useService } from '@tributary/e2e';
import { keyHashPartition, partitionIndexOf } from '@tributary/pulsar-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarSink, pulsarRecordSerializer } from './index.js';
import type { PulsarCommittable } from './pulsar-committable.js';
import { readCommitted } from './testing-fixtures/committed-topic-reader.js';
import { committerContextWithRegistry } from './testing-fixtures/fake-transactions.js';

/**
 * The sink against the real broker: the docs example (the `#region`s, copied into
 * docs/connectors/pulsar.md by docs-sections.test.ts), message fields and routing as a reader sees
 * them, and the committer's commit by id from its own connection, retried.
 */
interface Order {
  readonly id: string;
  readonly customer: string;
  readonly amount: number;
  readonly ts: number;
}

// A stand-in for a JSON format package: the snippet only needs the schema interface.
function json<T>(): SerializationSchema<T> {
  return { serialize: (value) => new TextEncoder().encode(JSON.stringify(value)) };
}

const orders: Order[] = Array.from({ length: 60 }, (_, i) => ({
  id: `o-${i}`,
  customer: `c-${i % 7}`,
  amount: 100 + i,
  ts: 1_700_000_000_000 + i * 1000,
}));

describe('PulsarSink (real broker)', () => {
  let pulsar: PulsarService;
  let dir: string;
  beforeAll(async () => {
    pulsar = await useService('pulsar');
    dir = await mkdtemp(join(tmpdir(), 'pulsar-sink-'));
  });
  afterAll(async () => {
    await pulsar?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('exactly-once job: keys routed as the Java client routes them, properties and event time kept', async () => {
    const serviceUrl = pulsar.connection.serviceUrl;
    const ordersTopic = await pulsar.createTopic({ prefix: 'orders', partitions: 3 });
    // One split: a customer's orders pass one reader in input order (what the per-key check needs).
    const source = new CollectionSource(orders, { numSplits: 1, timestamp: (order: Order) => order.ts });
    // #region sink-exactly-once
    const sink = new PulsarSink<Order>(
      {
        serviceUrl,
        deliveryGuarantee: 'exactly-once', // one transaction per checkpoint and subtask
        // > 2 × checkpoint interval + checkpoint time + longest recovery; bounds how long a
        // transaction a crash left open (and no checkpoint knew) holds readers back.
        transactionTimeoutMs: 60_000,
        compression: 'lz4',
      },
      pulsarRecordSerializer({
        topic: ordersTopic,
        key: (order) => order.customer, // key-hash routing: same customer → same partition, in order
        value: json<Order>(),
        properties: (order) => ({ source: 'tributary', orderId: order.id }),
        eventTime: 'event-time', // the record's event timestamp (the default)
      }),
    );
    await Pipeline.from(source)
      .sinkTo(sink)
      .execute({ parallelism: 2, checkpointing: { intervalMs: 500, directory: join(dir, 'checkpoints') } });
    // #endregion sink-exactly-once

    const read = await readCommitted(serviceUrl, ordersTopic);
    expect(read).toHaveLength(orders.length);
    const byId = new Map(orders.map((o) => [o.id, o]));
    for (const message of read) {
      const order = JSON.parse(new TextDecoder().decode(message.payload)) as Order;
      expect(byId.get(order.id)).toEqual(order);
      expect(message.key).toBe(order.customer);
      expect(partitionIndexOf(message.topic)).toBe(keyHashPartition(order.customer, 3));
      expect(message.properties).toEqual({ source: 'tributary', orderId: order.id });
      expect(message.eventTime).toBe(order.ts);
    }
    // Per key, the order of the input.
    for (const customer of new Set(orders.map((o) => o.customer))) {
      const ids = read
        .filter((m) => m.key === customer)
        .map((m) => JSON.parse(new TextDecoder().decode(m.payload)).id);
      expect(ids).toEqual(orders.filter((o) => o.customer === customer).map((o) => o.id));
    }
  });

  it('at-least-once with a custom router and round-robin: each message lands where routed', async () => {
    const serviceUrl = pulsar.connection.serviceUrl;
    const custom = await pulsar.createTopic({ prefix: 'routed', partitions: 4 });
    const spread = await pulsar.createTopic({ prefix: 'spread', partitions: 4 });
    const values = Array.from({ length: 40 }, (_, i) => i);
    await Pipeline.from(new CollectionSource(values))
      .sinkTo(
        new PulsarSink<number>(
          { serviceUrl },
          pulsarRecordSerializer({ topic: custom, value: (i) => String(i), router: (i) => i % 4 }),
        ),
      )
      .execute({ parallelism: 1 }, { logger: silentLogger });
    await Pipeline.from(new CollectionSource(values))
      .sinkTo(
        new PulsarSink<number>(
          { serviceUrl, batchingEnabled: false },
          pulsarRecordSerializer({
            topic: spread,
            key: () => 'same',
            value: (i) => String(i),
            router: 'round-robin',
          }),
        ),
      )
      .execute({ parallelism: 1 }, { logger: silentLogger });
    const routed = await readCommitted(serviceUrl, custom);
    expect(routed).toHaveLength(40);
    for (const m of routed)
      expect(partitionIndexOf(m.topic)).toBe(Number(new TextDecoder().decode(m.payload)) % 4);
    const counts = [0, 0, 0, 0];
    for (const m of await readCommitted(serviceUrl, spread)) {
      const p = partitionIndexOf(m.topic);
      counts[p] = (counts[p] ?? 0) + 1;
    }
    expect(counts).toEqual([10, 10, 10, 10]);
  });

  it('a committer on a new connection commits a closed writer’s transaction by id; a retried commit answers not found and is counted', async () => {
    const serviceUrl = pulsar.connection.serviceUrl;
    const topic = await pulsar.createTopic({ prefix: 'by-id' });
    const sink = new PulsarSink<string>(
      { serviceUrl, deliveryGuarantee: 'exactly-once', transactionTimeoutMs: 60_000 },
      pulsarRecordSerializer({ topic, value: (v) => v }),
    );
    const writer = await sink.createWriter(fakeWriterContext());
    await writer.write(['a', 'b', 'c'], fakeBatchContext());
    await writer.flush(true);
    const committables = await (
      writer as unknown as { prepareCommit(): Promise<PulsarCommittable[]> }
    ).prepareCommit();
    await writer.close(); // its connections are gone; the transaction stays open on the coordinator
    expect(committables).toHaveLength(1);
    expect(await readCommitted(serviceUrl, topic, 2_000)).toEqual([]);

    for (const attempt of ['first', 'retried'] as const) {
      const { ctx, registry } = committerContextWithRegistry();
      const committer = sink.createCommitter(ctx);
      const { requests, outcomes } = recordingCommitRequests(committables, attempt === 'first' ? 0 : 1);
      await committer.commit(requests);
      await committer.close();
      expect(outcomes).toEqual([{ kind: attempt === 'first' ? 'success' : 'already' }]);
      expect(registry.sum('transactionsNotFound')).toBe(attempt === 'first' ? 0 : 1);
    }
    const read = await readCommitted(serviceUrl, topic);
    expect(read.map((m) => new TextDecoder().decode(m.payload))).toEqual(['a', 'b', 'c']);
  });
});
