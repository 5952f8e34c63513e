import { silentLogger, sleep } from '@tributary/core';
import { type PulsarService, useService } from '@tributary/e2e';
import {
  type Consumer,
  type MessageId,
  PulsarClient,
  partitionTopicName,
  txnIdToString,
} from '@tributary/pulsar-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEntries, encodeEntries } from './pulsar-entry-ranges.js';
import { PulsarSplitConsumers } from './pulsar-split-consumers.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

describe('PulsarSplitConsumers restore (real broker)', () => {
  let pulsar: PulsarService;
  const clients: PulsarClient[] = [];
  const newClient = () => {
    const client = new PulsarClient({ serviceUrl: pulsar.connection.serviceUrl, operationTimeoutMs: 60_000 });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    pulsar = await useService('pulsar');
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await pulsar?.close();
  });

  /** Everything `consumer` is given within `ms` (it has permits). */
  async function receivedWithin(consumer: Consumer, ms: number): Promise<string[]> {
    const deadline = Date.now() + ms;
    const values: string[] = [];
    while (Date.now() < deadline) {
      for (const m of consumer.takeQueued(100)) values.push(decoder.decode(m.payload));
      await sleep(25);
    }
    return values;
  }

  it('acks the committed transactions’ entries again: an ack lost in a crash does not bring their messages back', async () => {
    const topic = await pulsar.createTopic({ partitions: 2 });
    const partition = partitionTopicName(topic, 1);
    const subscription = { name: 'reack', type: 'Key_Shared' as const };
    // The crashed run: read 12 messages, acked half of their entries in its checkpoint's
    // transaction; the other half's ack request was lost when the process died.
    const crashed = newClient();
    const reader = await crashed.subscribe({
      topic: partition,
      subscription: subscription.name,
      subscriptionType: subscription.type,
      initialPosition: 'earliest',
    });
    const producer = await crashed.createProducer({ topic: partition, batchingEnabled: false });
    for (let i = 0; i < 12; i++) await producer.send({ payload: encoder.encode(`m${i}`), key: `k${i % 4}` });
    const deadline = Date.now() + 10_000;
    while (reader.queuedCount < 12 && Date.now() < deadline) await sleep(20);
    const entries: MessageId[] = reader.takeQueued(100).map((m) => m.messageId);
    expect(entries).toHaveLength(12);
    const txn = await (await crashed.transactions()).newTransaction(60_000);
    await reader.acknowledgeEntriesInTransaction(partition, entries.slice(0, 6), txn);
    await crashed.close();

    // The restore: the checkpoint listed the transaction for commit with all 12 entries.
    const restoring = newClient();
    const consumers = new PulsarSplitConsumers(restoring, silentLogger, subscription);
    await consumers.endRestoredTransactions(
      { commit: [txnIdToString(txn.id)], abort: [] },
      new Map([[partition, decodeEntries(encodeEntries(entries))]]),
    );

    const after = await newClient().subscribe({
      topic: partition,
      subscription: subscription.name,
      subscriptionType: subscription.type,
    });
    expect(await receivedWithin(after, 1500)).toEqual([]);
    expect([...(await after.backlog()).values()]).toEqual([0]);
  });
});
