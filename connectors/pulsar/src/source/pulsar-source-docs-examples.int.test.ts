import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectSink, type DeserializationSchema, Pipeline, Watermarks } from '@tributary/core';
import { type PulsarService, useService } from '@tributary/e2e';
import { PulsarClient } from '@tributary/pulsar-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarSource, valueOnly } from '../index.js';

/**
 * The source snippets of docs/connectors/pulsar.md and the package README (the `#region`s
 * below), run against the local broker. docs-sections.test.ts copies them into the Markdown.
 */
interface Order {
  readonly id: string;
  readonly customer: string;
  readonly amount: number;
}

// Stand-in for a JSON format package: the snippets only need the schema interface.
function json<T>(): DeserializationSchema<T> {
  return { deserialize: (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as T };
}

describe('pulsar source docs examples (local broker)', () => {
  let pulsar: PulsarService;
  let dir: string;
  beforeAll(async () => {
    pulsar = await useService('pulsar');
    dir = await mkdtemp(join(tmpdir(), 'pulsar-docs-'));
  });
  afterAll(async () => {
    await pulsar?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads big orders from a partitioned topic, bounded, with event-time watermarks', async () => {
    const ordersTopic = await pulsar.createTopic({ prefix: 'orders', partitions: 2 });
    const serviceUrl = pulsar.connection.serviceUrl;
    const orders: Order[] = Array.from({ length: 200 }, (_, i) => ({
      id: `o${i}`,
      customer: `c${i % 7}`,
      amount: (i * 37) % 2000,
    }));
    const client = new PulsarClient({ serviceUrl });
    const producer = await client.createProducer({ topic: ordersTopic });
    await Promise.all(
      orders.map((o) =>
        producer.send({
          payload: new TextEncoder().encode(JSON.stringify(o)),
          key: o.customer,
          eventTime: Date.now(),
        }),
      ),
    );
    await client.close();
    using out = CollectSink.create<Order>();
    const sink = out.sink;

    // #region source
    const source = new PulsarSource<Order>(
      {
        serviceUrl, // pulsar://host:6650, or pulsar+ssl://host:6651 with tlsTrustCertsPem
        topics: [ordersTopic], // partitioned or not; or topicPattern: 'public/default/orders-.*'
        subscriptionName: 'big-orders',
        subscriptionType: 'Exclusive', // or Failover, Shared, Key_Shared: all exactly-once
        startCursor: 'earliest', // or 'latest', { messageId: '12:34' }, { publishTime }
        stopCursor: 'latest', // bounded for this example; leave out to run forever
      },
      valueOnly(json<Order>()),
    );
    await Pipeline.from(source, { watermarks: Watermarks.boundedOutOfOrderness<Order>(5_000) })
      .filter((order) => order.amount >= 1000)
      .sinkTo(sink)
      .execute({
        jobName: 'big-orders',
        parallelism: 2,
        checkpointing: { intervalMs: 10_000, directory: join(dir, 'checkpoints') },
      });
    // #endregion source

    const expected = orders.filter((o) => o.amount >= 1000);
    expect(
      out
        .results()
        .map((o) => o.id)
        .sort(),
    ).toEqual(expected.map((o) => o.id).sort());
    // Per customer (key → one partition), in the order they were written.
    for (const customer of new Set(expected.map((o) => o.customer))) {
      expect(
        out
          .results()
          .filter((o) => o.customer === customer)
          .map((o) => o.id),
      ).toEqual(expected.filter((o) => o.customer === customer).map((o) => o.id));
    }
  });
});
