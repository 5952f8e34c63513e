import { type PulsarService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PulsarClient, parseTxnId, txnIdToString } from './index.js';

/**
 * The snippets of docs/clients/pulsar.md and the package README (the `#region`s below), run
 * against the local broker. docs-sections.test.ts keeps the Markdown copies in sync.
 */
let pulsar: PulsarService;
let serviceUrl: string;
let topic: string;

beforeAll(async () => {
  pulsar = await useService('pulsar');
  serviceUrl = pulsar.connection.serviceUrl;
  topic = await pulsar.createTopic({ partitions: 2 });
});
afterAll(async () => {
  await pulsar?.close();
});

it('produces and consumes', async () => {
  // #region produce-consume
  const client = new PulsarClient({ serviceUrl }); // pulsar://host:6650 or pulsar+ssl://host:6651
  const consumer = await client.subscribe({
    topic, // partitioned or not
    subscription: 'orders-reader',
    subscriptionType: 'Key_Shared', // or Exclusive (default), Failover, Shared
    initialPosition: 'earliest',
  });
  const producer = await client.createProducer({ topic, compression: 'zstd' }); // lz4, zlib, snappy
  await producer.send({ payload: new TextEncoder().encode('{"id":1}'), key: 'customer-7' });

  const message = await consumer.receive(10_000); // undefined after the timeout
  const order = message === undefined ? undefined : JSON.parse(new TextDecoder().decode(message.payload));
  if (message !== undefined) await consumer.acknowledge(message); // or acknowledgeCumulative
  await client.close();
  // #endregion produce-consume
  expect(message?.key).toBe('customer-7');
  expect(order).toEqual({ id: 1 });
});

it('sends and acks in a transaction, and commits it by id from another client', async () => {
  // #region transactions
  const client = new PulsarClient({ serviceUrl });
  const transactions = await client.transactions();
  const producer = await client.createProducer({ topic });
  const txn = await transactions.newTransaction(60_000); // aborted by the broker after 60 s
  await producer.send({ payload: new TextEncoder().encode('invisible until commit'), transaction: txn });
  const stored = txnIdToString(txn.id); // e.g. "(0,17)": keep it (a checkpoint, a file)
  await client.close(); // or the process dies

  const recovering = new PulsarClient({ serviceUrl });
  const outcome = await (await recovering.transactions()).endTransaction(parseTxnId(stored), 'commit');
  // 'committed', or 'not-found' when it had already ended (a retried commit) or timed out
  await recovering.close();
  // #endregion transactions
  expect(outcome).toBe('committed');
});
