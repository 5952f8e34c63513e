import { sleep } from '@tributary/core';
import { PULSAR_VERSION, type PulsarService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient } from './client.js';
import type { Consumer, ConsumerMessage } from './consumer.js';
import { PulsarServerError } from './errors.js';
import { compareMessageIds, EARLIEST } from './message-id.js';
import type { PulsarCompression } from './protocol/compression.js';
import { drain, str, text } from './testing-fixtures/messages.js';

describe('pulsar client against the local broker', () => {
  let pulsar: PulsarService;
  let client: PulsarClient;

  beforeAll(async () => {
    pulsar = await useService('pulsar');
    client = new PulsarClient({ serviceUrl: pulsar.connection.serviceUrl, operationTimeoutMs: 60_000 });
  });
  afterAll(async () => {
    await client?.close();
    await pulsar?.close();
  });

  it('connects, looks topics up and reads partitioned metadata', async () => {
    const partitioned = await pulsar.createTopic({ partitions: 3 });
    const plain = await pulsar.createTopic();
    expect(await client.partitionCount(partitioned)).toBe(3);
    expect(await client.partitionCount(plain)).toBe(0);
    const lookup = await client.lookup(`${partitioned}-partition-1`);
    expect(lookup.logicalAddress).toMatch(/^pulsar:\/\/127\.0\.0\.1:\d+$/);
    const connection = await client.connectionFor(plain);
    expect(connection.protocolVersion).toBeGreaterThanOrEqual(19);
    expect(connection.serverVersion).toContain(PULSAR_VERSION);
  });

  it.each(['none', 'lz4', 'zlib', 'zstd', 'snappy'] as PulsarCompression[])(
    'produces and consumes batched and single messages with %s compression',
    async (compression) => {
      const topic = await pulsar.createTopic();
      const consumer = await client.subscribe({ topic, subscription: 'sub', initialPosition: 'earliest' });
      const batched = await client.createProducer({ topic, compression });
      const single = await client.createProducer({ topic, compression, batchingEnabled: false });
      const body = 'x'.repeat(300);
      const ids = await Promise.all([
        ...Array.from({ length: 20 }, (_, i) =>
          batched.send({
            payload: text(`b${i}${body}`),
            key: `k${i % 3}`,
            properties: { i: String(i) },
            eventTime: 1000 + i,
          }),
        ),
      ]);
      await single.send({ payload: text(`s0${body}`), key: 'single' });
      expect(ids.some((id) => id.batchIndex > 0)).toBe(true);
      const received = await drain(consumer, 21);
      expect(received.map(str).sort()).toEqual(
        [...Array.from({ length: 20 }, (_, i) => `b${i}${body}`), `s0${body}`].sort(),
      );
      const b5 = received.find((m) => str(m) === `b5${body}`);
      expect(b5?.key).toBe('k2');
      expect(b5?.properties).toEqual({ i: '5' });
      expect(b5?.eventTime).toBe(1005);
      for (const m of received) await consumer.acknowledge(m);
      await consumer.close();
      await batched.close();
      await single.close();
    },
  );

  it('routes keys to partitions and reads all partitions of a partitioned topic', async () => {
    const topic = await pulsar.createTopic({ partitions: 4 });
    const producer = await client.createProducer({ topic });
    const consumer = await client.subscribe({ topic, subscription: 'all', initialPosition: 'earliest' });
    const sent = await Promise.all(
      Array.from({ length: 40 }, (_, i) => producer.send({ payload: text(String(i)), key: `key-${i % 5}` })),
    );
    const partitionsOfKey = new Map<string, Set<number>>();
    sent.forEach((id, i) => {
      const key = `key-${i % 5}`;
      partitionsOfKey.set(key, (partitionsOfKey.get(key) ?? new Set()).add(id.partition));
    });
    for (const partitions of partitionsOfKey.values()) expect(partitions.size).toBe(1);
    const received = await drain(consumer, 40);
    expect(received.map((m) => Number(str(m))).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
    // Per key, order is kept.
    for (let k = 0; k < 5; k++) {
      const ofKey = received.filter((m) => m.key === `key-${k}`).map((m) => Number(str(m)));
      expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
    }
    await consumer.close();
    await producer.close();
  });

  it('shares a Shared subscription, fails over an Exclusive one and rejects a second Exclusive consumer', async () => {
    const topic = await pulsar.createTopic();
    const a = await client.subscribe({
      topic,
      subscription: 'shared',
      subscriptionType: 'Shared',
      receiverQueueSize: 5,
    });
    const b = await client.subscribe({
      topic,
      subscription: 'shared',
      subscriptionType: 'Shared',
      receiverQueueSize: 5,
    });
    const producer = await client.createProducer({ topic, batchingEnabled: false });
    for (let i = 0; i < 20; i++) await producer.send({ payload: text(String(i)) });
    const [fromA, fromB] = await Promise.all([drain(a, 20, 3000), drain(b, 20, 3000)]);
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromB.length).toBeGreaterThan(0);
    expect([...fromA, ...fromB].map(str).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i)).sort(),
    );

    await client.subscribe({ topic, subscription: 'excl', subscriptionType: 'Exclusive' });
    await expect(
      client.subscribe({ topic, subscription: 'excl', subscriptionType: 'Exclusive' }),
    ).rejects.toSatisfy((error) => error instanceof PulsarServerError && error.code === 'ConsumerBusy');
    await a.close();
    await b.close();
    await producer.close();
  });

  it('gives each key to one Key_Shared consumer and one active Failover consumer', async () => {
    const topic = await pulsar.createTopic();
    const k1 = await client.subscribe({
      topic,
      subscription: 'ks',
      subscriptionType: 'Key_Shared',
      initialPosition: 'earliest',
    });
    const k2 = await client.subscribe({
      topic,
      subscription: 'ks',
      subscriptionType: 'Key_Shared',
      initialPosition: 'earliest',
    });
    const f1 = await client.subscribe({
      topic,
      subscription: 'fo',
      subscriptionType: 'Failover',
      initialPosition: 'earliest',
      consumerName: 'f1',
    });
    const f2 = await client.subscribe({
      topic,
      subscription: 'fo',
      subscriptionType: 'Failover',
      initialPosition: 'earliest',
      consumerName: 'f2',
    });
    const producer = await client.createProducer({ topic, batchingEnabled: false });
    for (let i = 0; i < 30; i++) await producer.send({ payload: text(String(i)), key: `key-${i % 6}` });
    const [r1, r2] = await Promise.all([drain(k1, 30, 4000), drain(k2, 30, 4000)]);
    expect(r1.length + r2.length).toBe(30);
    const keys1 = new Set(r1.map((m) => m.key));
    for (const m of r2) expect(keys1.has(m.key)).toBe(false);
    const [g1, g2] = await Promise.all([drain(f1, 30, 4000), drain(f2, 30, 4000)]);
    expect([g1.length, g2.length].sort()).toEqual([0, 30]);
    for (const c of [k1, k2, f1, f2]) await c.close();
    await producer.close();
  });

  it('redelivers unacked and negatively acked messages, keeps cumulative acks, and seeks', async () => {
    const topic = await pulsar.createTopic();
    const producer = await client.createProducer({ topic, batchingEnabled: false });
    let consumer = await client.subscribe({
      topic,
      subscription: 'acks',
      subscriptionType: 'Shared',
      initialPosition: 'earliest',
    });
    for (let i = 0; i < 10; i++) await producer.send({ payload: text(String(i)) });
    const first = await drain(consumer, 10);
    await consumer.acknowledge(first[0] as ConsumerMessage);
    consumer.negativeAcknowledge(first[1] as ConsumerMessage);
    const again = await drain(consumer, 1);
    expect(str(again[0])).toBe('1');
    expect(again[0]?.redeliveryCount).toBeGreaterThan(0);
    await consumer.close();

    // Exclusive + cumulative ack up to 4: a new consumer starts at 5.
    consumer = await client.subscribe({ topic, subscription: 'cumulative', initialPosition: 'earliest' });
    const all = await drain(consumer, 10);
    await consumer.acknowledgeCumulative(all[4] as ConsumerMessage);
    await consumer.close();
    consumer = await client.subscribe({ topic, subscription: 'cumulative' });
    expect(str((await drain(consumer, 1))[0])).toBe('5');

    // Seek back to the beginning and to a message id.
    await consumer.seek(EARLIEST);
    expect(str((await drain(consumer, 1))[0])).toBe('0');
    await consumer.seek((all[7] as ConsumerMessage).messageId);
    const afterSeek = str((await drain(consumer, 1))[0]);
    expect(['7', '8']).toContain(afterSeek); // the broker positions at the id (inclusive for entries)
    await consumer.seek({ publishTime: Date.now() + 60_000 });
    expect(await consumer.receive(1000)).toBeUndefined();
    await consumer.close();
    await producer.close();
  });

  it('deferFlow: dispatches nothing until the first seek or resume', async () => {
    const topic = await pulsar.createTopic();
    const producer = await client.createProducer({ topic, batchingEnabled: false });
    for (let i = 0; i < 5; i++) await producer.send({ payload: text(`m${i}`) });
    const subscribe = (subscription: string) =>
      client.subscribe({ topic, subscription, initialPosition: 'earliest', deferFlow: true });
    const seeking = await subscribe('seeking');
    const resuming = await subscribe('resuming');
    // No permits granted: the broker has nothing to send, however long it is given.
    expect(await seeking.receive(500)).toBeUndefined();
    expect(resuming.queuedCount).toBe(0);
    await seeking.seek(EARLIEST);
    expect((await drain(seeking, 5)).map(str)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    resuming.resume();
    expect((await drain(resuming, 5)).map(str)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    await Promise.all([seeking.close(), resuming.close(), producer.close()]);
  });

  it('reads from a start message id with a non-durable subscription and reports the last message id', async () => {
    const topic = await pulsar.createTopic();
    const producer = await client.createProducer({ topic, batchingEnabled: false });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await producer.send({ payload: text(String(i)) }));
    const reader = await client.subscribe({
      topic,
      subscription: 'reader',
      durable: false,
      startMessageId: ids[1] as (typeof ids)[number],
    });
    expect((await drain(reader, 3)).map(str)).toEqual(['2', '3', '4']);
    const last = (await reader.lastMessageIds()).get(topic);
    expect(last !== undefined && compareMessageIds(last, ids[4] as (typeof ids)[number]) === 0).toBe(true);
    await reader.close();
    await producer.close();
  });

  it('delays delivery to a Shared subscription until deliverAt', async () => {
    const topic = await pulsar.createTopic();
    const consumer = await client.subscribe({ topic, subscription: 'delayed', subscriptionType: 'Shared' });
    const producer = await client.createProducer({ topic });
    const at = Date.now() + 2000;
    await producer.send({ payload: text('later'), deliverAt: at });
    expect(await consumer.receive(500)).toBeUndefined();
    const message = await consumer.receive(10_000);
    expect(str(message)).toBe('later');
    expect(Date.now()).toBeGreaterThanOrEqual(at - 50);
    await consumer.close();
    await producer.close();
  });

  it('reconnects a producer and a consumer after the connection drops', async () => {
    const topic = await pulsar.createTopic();
    const consumer = await client.subscribe({
      topic,
      subscription: 'reconnect',
      initialPosition: 'earliest',
    });
    const producer = await client.createProducer({ topic });
    await producer.send({ payload: text('before') });
    (await client.connectionFor(topic)).close(new Error('test: dropped'));
    await producer.send({ payload: text('after') });
    const received = await drain(consumer, 2, 20_000);
    expect(received.map(str)).toContain('after');
    await consumer.close();
    await producer.close();
  });
  it('takes queued messages in batches without splitting an entry, and reports the backlog', async () => {
    const topic = await pulsar.createTopic();
    const consumer = await client.subscribe({ topic, subscription: 'batches', initialPosition: 'earliest' });
    let woken = 0;
    consumer.onQueued(() => woken++);
    const producer = await client.createProducer({
      topic,
      batchingMaxMessages: 4,
      batchingMaxPublishDelayMs: 50,
    });
    await Promise.all(Array.from({ length: 8 }, (_, i) => producer.send({ payload: text(`m${i}`) })));
    await waitForQueued(consumer, 8);
    expect(woken).toBeGreaterThan(0);
    // Asked for 1, gets the rest of that batch too: callers never see half an entry.
    const first = consumer.takeQueued(1);
    expect(first.length).toBeGreaterThan(1);
    expect(new Set(first.map((m) => `${m.messageId.ledgerId}:${m.messageId.entryId}`)).size).toBe(1);
    const rest = consumer.takeQueued(100);
    expect([...first, ...rest].map(str)).toEqual(Array.from({ length: 8 }, (_, i) => `m${i}`));
    expect(consumer.takeQueued(100)).toEqual([]);
    // The broker counts its backlog in entries: a batch counts once.
    const entries = new Set([...first, ...rest].map((m) => `${m.messageId.ledgerId}:${m.messageId.entryId}`));
    expect((await consumer.backlog()).get(topic)).toBe(entries.size);
    await consumer.acknowledgeCumulative(rest[rest.length - 1] as ConsumerMessage);
    await waitForBacklog(consumer, topic, 0);
    await consumer.close();
    await producer.close();
  });

  it('takes queued messages per entry: one array per batch, the rest of one a receive began', async () => {
    const topic = await pulsar.createTopic();
    const consumer = await client.subscribe({ topic, subscription: 'entries', initialPosition: 'earliest' });
    const producer = await client.createProducer({
      topic,
      batchingMaxMessages: 4,
      batchingMaxPublishDelayMs: 50,
    });
    await Promise.all(Array.from({ length: 8 }, (_, i) => producer.send({ payload: text(`m${i}`) })));
    await waitForQueued(consumer, 8);
    const entryOf = (m: ConsumerMessage) => `${m.messageId.ledgerId}:${m.messageId.entryId}`;
    const received = (await consumer.receive()) as ConsumerMessage;
    // Asked for 1: the rest of the batch the receive began, as one array.
    const [rest, ...none] = consumer.takeQueuedEntries(1);
    expect(none).toEqual([]);
    expect(rest?.length).toBeGreaterThan(0);
    expect(new Set([received, ...(rest ?? [])].map(entryOf))).toEqual(new Set([entryOf(received)]));
    const later = consumer.takeQueuedEntries(100);
    for (const entry of later) expect(new Set(entry.map(entryOf)).size).toBe(1);
    expect(new Set(later.map((entry) => entryOf(entry[0] as ConsumerMessage))).size).toBe(later.length);
    expect([received, ...(rest ?? []), ...later.flat()].map(str)).toEqual(
      Array.from({ length: 8 }, (_, i) => `m${i}`),
    );
    expect(consumer.queuedCount).toBe(0);
    expect(consumer.takeQueuedEntries(100)).toEqual([]);
    await consumer.close();
    await producer.close();
  });

  it('takes entries undecoded: id bounds before decoding, the messages on demand, permits back at once', async () => {
    const topic = await pulsar.createTopic();
    // A queue of 4 batches of 4 over 3 takes: without the permits back, the broker stops at 4 messages.
    const consumer = await client.subscribe({
      topic,
      subscription: 'undecoded',
      initialPosition: 'earliest',
      receiverQueueSize: 4,
    });
    const producer = await client.createProducer({
      topic,
      batchingMaxMessages: 4,
      batchingMaxPublishDelayMs: 50,
    });
    await Promise.all(Array.from({ length: 16 }, (_, i) => producer.send({ payload: text(`u${i}`) })));
    const taken: ConsumerMessage[] = [];
    const deadline = Date.now() + 10_000;
    while (taken.length < 16) {
      if (Date.now() > deadline) throw new Error(`only ${taken.length} of 16 taken`);
      for (const entry of consumer.takeQueuedUndecoded(100)) {
        const { firstId, lastId } = entry;
        expect([firstId.entryId, firstId.batchIndex]).toEqual([lastId.entryId, 0]);
        expect(lastId.batchIndex).toBe(entry.count - 1);
        const messages = entry.messages();
        expect(messages.map((m) => m.messageId)).toEqual(
          Array.from({ length: entry.count }, (_, batchIndex) => ({ ...firstId, batchIndex })),
        );
        expect(messages.every((m) => m.publishTime === entry.publishTime)).toBe(true);
        taken.push(...messages);
      }
      await sleep(20);
    }
    expect(taken.map(str)).toEqual(Array.from({ length: 16 }, (_, i) => `u${i}`));
    expect(consumer.queuedCount).toBe(0);
    await consumer.close();
    await producer.close();
  });

  it('redeliver-all on an Exclusive subscription: queued messages are dropped, each comes once more, in order', async () => {
    const topic = await pulsar.createTopic();
    const producer = await client.createProducer({ topic, batchingEnabled: false });
    for (let i = 0; i < 20; i++) await producer.send({ payload: text(`r${i}`) });
    const consumer = await client.subscribe({
      topic,
      subscription: 'redeliver-all',
      initialPosition: 'earliest',
    });
    await waitForQueued(consumer, 20);
    const firstFive = consumer.takeQueued(5);
    consumer.redeliverUnacknowledged();
    // Without the drop, the 15 still queued would come before the rewound copies (35 in all).
    expect(consumer.queuedCount).toBe(0);
    const again = await drain(consumer, 20);
    expect(again.map(str)).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`));
    expect(firstFive.map(str)).toEqual(again.slice(0, 5).map(str));
    expect(await drain(consumer, 1, 500)).toEqual([]);
    await consumer.close();
    await producer.close();
  });

  it('acks whole entries with a receipt outside a transaction, again without error', async () => {
    const topic = await pulsar.createTopic();
    const reader = await client.subscribe({
      topic,
      subscription: 'receipts',
      subscriptionType: 'Key_Shared',
      initialPosition: 'earliest',
    });
    const producer = await client.createProducer({
      topic,
      batchingMaxMessages: 3,
      batchingMaxPublishDelayMs: 50,
    });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => producer.send({ payload: text(`r${i}`), key: `k${i}` })),
    );
    await waitForQueued(reader, 6);
    const entries = [
      ...new Map(
        reader.takeQueued(100).map((m) => [`${m.messageId.ledgerId}:${m.messageId.entryId}`, m.messageId]),
      ).values(),
    ];
    // Another consumer of the subscription without permits acks them: the broker applies acks of
    // entries a consumer was never given.
    const acker = await client.subscribe({
      topic,
      subscription: 'receipts',
      subscriptionType: 'Key_Shared',
      deferFlow: true,
    });
    await acker.acknowledgeEntries(topic, entries);
    await acker.acknowledgeEntries(topic, entries);
    await reader.close();
    await acker.close();
    const after = await client.subscribe({ topic, subscription: 'receipts', subscriptionType: 'Key_Shared' });
    expect(await drain(after, 1, 1000)).toEqual([]);
    await waitForBacklog(after, topic, 0);
    await after.close();
    await producer.close();
  });

  it('acks whole entries in a transaction: applied on commit, redelivered after abort', async () => {
    const topic = await pulsar.createTopic();
    const coordinator = await client.transactions();
    const consumer = await client.subscribe({
      topic,
      subscription: 'entry-acks',
      subscriptionType: 'Shared',
      initialPosition: 'earliest',
    });
    const producer = await client.createProducer({
      topic,
      batchingMaxMessages: 3,
      batchingMaxPublishDelayMs: 50,
    });
    await Promise.all(Array.from({ length: 6 }, (_, i) => producer.send({ payload: text(`e${i}`) })));
    await waitForQueued(consumer, 6);
    const messages = consumer.takeQueued(100);
    const entries = [
      ...new Map(
        messages.map((m) => [`${m.messageId.ledgerId}:${m.messageId.entryId}`, m.messageId]),
      ).values(),
    ];
    const aborted = await coordinator.newTransaction(60_000);
    await consumer.acknowledgeEntriesInTransaction(topic, entries, aborted);
    expect(await aborted.abort()).toBe('aborted');
    // Shared: the broker may already be redelivering the aborted acks' messages when this
    // redeliver-all arrives, so each comes at least once more (never one outside the set).
    consumer.redeliverUnacknowledged();
    const again = await takeUntilDistinct(consumer, 6);
    expect([...new Set(again.map(str))].sort()).toEqual(messages.map(str).sort());
    const committed = await coordinator.newTransaction(60_000);
    await consumer.acknowledgeEntriesInTransaction(topic, entries, committed);
    expect(await committed.commit()).toBe('committed');
    await waitForBacklog(consumer, topic, 0);
    await consumer.close();
    await producer.close();
  });
});

/** Polls until `consumer` holds `count` queued messages (deadline 10 s). */
async function waitForQueued(consumer: Consumer, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (consumer.queuedCount < count) {
    if (Date.now() > deadline) throw new Error(`only ${consumer.queuedCount} of ${count} messages queued`);
    await sleep(20);
  }
}

/** Takes queued messages until `distinct` different payloads were seen (deadline 10 s). */
async function takeUntilDistinct(consumer: Consumer, distinct: number): Promise<ConsumerMessage[]> {
  const deadline = Date.now() + 10_000;
  const taken: ConsumerMessage[] = [];
  while (new Set(taken.map(str)).size < distinct) {
    if (Date.now() > deadline)
      throw new Error(`only ${new Set(taken.map(str)).size} of ${distinct} redelivered`);
    taken.push(...consumer.takeQueued(100));
    await sleep(20);
  }
  return taken;
}

/** Polls the subscription backlog of `topic` until it is `backlog` (deadline 10 s). */
async function waitForBacklog(consumer: Consumer, topic: string, backlog: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (
    let now = (await consumer.backlog()).get(topic);
    now !== backlog;
    now = (await consumer.backlog()).get(topic)
  ) {
    if (Date.now() > deadline) throw new Error(`backlog ${now}, expected ${backlog}`);
    await sleep(50);
  }
}
