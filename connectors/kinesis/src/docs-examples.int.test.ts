import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { type DeserializationSchema, Pipeline, type SerializationSchema, Watermarks } from '@tributary/core';
import { type KinesisService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisSink, KinesisSource, kinesisRecordSerializer, valueOnly } from './index.js';
import { readWholeStream } from './testing-fixtures/stream-oracle.js';

/**
 * The snippets of docs/connectors/kinesis.md and the package README (the `#region`s below), run
 * against kinesalite. docs-sections.test.ts copies them into the Markdown.
 */
interface Order {
  readonly id: string;
  readonly customer: string;
  readonly amount: number;
}

// Stand-in for a JSON format package: the snippets only need the schema interfaces.
function json<T>(): SerializationSchema<T> & DeserializationSchema<T> {
  return {
    serialize: (value) => new TextEncoder().encode(JSON.stringify(value)),
    deserialize: (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as T,
  };
}

describe('kinesis docs examples (kinesalite)', () => {
  let kinesis: KinesisService;
  let dir: string;
  beforeAll(async () => {
    kinesis = await useService('kinesis');
    dir = await mkdtemp(join(tmpdir(), 'kinesis-docs-'));
  });
  afterAll(async () => {
    await kinesis?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('copies big orders from one stream to another, keyed by customer', async () => {
    const ordersStream = await kinesis.createStream({ prefix: 'orders', shards: 2 });
    const bigOrdersStream = await kinesis.createStream({ prefix: 'big-orders', shards: 2 });
    const admin = kinesis.createClient();
    const orders: Order[] = Array.from({ length: 200 }, (_, i) => ({
      id: `o${i}`,
      customer: `c${i % 7}`,
      amount: (i * 37) % 2000,
    }));
    await admin.send(
      new PutRecordsCommand({
        StreamName: ordersStream,
        Records: orders.map((o) => ({ Data: json<Order>().serialize(o), PartitionKey: o.customer })),
      }),
    );
    // In AWS, leave endpoint and credentials out: region and the default credential chain apply.
    const aws = { ...kinesis.connection, credentials: { ...kinesis.connection.credentials } };
    const jobName = 'big-orders';

    // #region pipeline
    const source = new KinesisSource<Order>(
      {
        ...aws, // region, endpoint, credentials (default: the AWS credential chain)
        streamName: ordersStream,
        startingPosition: 'trim-horizon', // or 'latest' (default) or { timestamp }
        stoppingPosition: 'latest', // bounded for this example; leave out to run forever
      },
      valueOnly(json<Order>()),
    );
    const sink = new KinesisSink<Order>(
      { ...aws, streamName: bigOrdersStream, maxInFlightRequests: 1 }, // 1: per-key order under retries
      kinesisRecordSerializer({
        value: json<Order>(),
        partitionKey: { field: 'customer' }, // same customer → same shard, in order
      }),
    );
    await Pipeline.from(source, { watermarks: Watermarks.boundedOutOfOrderness<Order>(5_000) })
      .filter((order) => order.amount >= 1000)
      .sinkTo(sink)
      .execute({
        jobName,
        parallelism: 2,
        checkpointing: { intervalMs: 10_000, directory: join(dir, 'checkpoints') },
      });
    // #endregion pipeline

    const written = (await readWholeStream(admin, bigOrdersStream)).map((r) => JSON.parse(r.text) as Order);
    const expected = orders.filter((o) => o.amount >= 1000);
    expect(written.map((o) => o.id).sort()).toEqual(expected.map((o) => o.id).sort());
    // Per customer, in the order they were written.
    for (const customer of new Set(expected.map((o) => o.customer))) {
      expect(written.filter((o) => o.customer === customer).map((o) => o.id)).toEqual(
        expected.filter((o) => o.customer === customer).map((o) => o.id),
      );
    }
  });
});
