import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { useService } from '../services/use-service.js';
import type { PulsarService } from './pulsar-service.js';

describe('pulsar service', () => {
  let pulsar: PulsarService;

  beforeAll(async () => {
    pulsar = await useService('pulsar');
  });
  afterAll(async () => {
    await pulsar?.close();
  });

  it('creates tenants, namespaces and topics through the admin API', async () => {
    const tenant = await pulsar.createTenant();
    const namespace = await pulsar.createNamespace({ tenant });
    const topic = await pulsar.createTopic({ namespace, partitions: 3 });

    expect(await pulsar.admin<string[]>('GET', `/admin/v2/namespaces/${tenant}`)).toEqual([namespace]);
    const metadata = await pulsar.admin<{ partitions: number }>(
      'GET',
      `/admin/v2/${topic.replace('://', '/')}/partitions`,
    );
    expect(metadata.partitions).toBe(3);
  });

  it('produces and consumes through the WebSocket API', async () => {
    const topic = await pulsar.createTopic({ partitions: 2 });
    const consumer = await open(
      pulsar.webSocketConsumerUrl(topic, 'smoke', { subscriptionType: 'Exclusive' }),
    );
    const received: string[] = [];
    const allReceived = new Promise<void>((resolve) => {
      consumer.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { payload: string; messageId: string };
        received.push(Buffer.from(message.payload, 'base64').toString());
        consumer.send(JSON.stringify({ messageId: message.messageId }));
        if (received.length === 3) resolve();
      });
    });

    const producer = await open(pulsar.webSocketProducerUrl(topic));
    const acks: { result: string }[] = [];
    const allAcked = new Promise<void>((resolve) => {
      producer.on('message', (data) => {
        acks.push(JSON.parse(data.toString()) as { result: string });
        if (acks.length === 3) resolve();
      });
    });
    for (const value of ['one', 'two', 'three']) {
      producer.send(JSON.stringify({ payload: Buffer.from(value).toString('base64'), key: value }));
    }
    await allAcked;
    await allReceived;
    producer.close();
    consumer.close();

    expect(acks.map((ack) => ack.result)).toEqual(['ok', 'ok', 'ok']);
    expect(received.sort()).toEqual(['one', 'three', 'two']);
  });

  it('has transactions enabled with a ready coordinator', async () => {
    const stats = await pulsar.transactionCoordinatorStats();
    expect(Object.keys(stats).length).toBeGreaterThan(0);
    expect(Object.values(stats).map((coordinator) => coordinator.state)).toEqual(
      Object.keys(stats).map(() => 'Ready'),
    );
    const assign = await pulsar.admin<{ partitions: number }>(
      'GET',
      '/admin/v2/persistent/pulsar/system/transaction_coordinator_assign/partitions',
    );
    expect(assign.partitions).toBeGreaterThan(0);
  });
});

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}
