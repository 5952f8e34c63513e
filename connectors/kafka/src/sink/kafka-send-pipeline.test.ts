import { hasErrorCode, MetricRegistry, SinkWriterMetricGroup } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import type { KafkaJsMessage, KafkaJsMessageProducer } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { ConvertedBatch } from './kafka-message-converter.js';
import { KafkaSendPipeline } from './kafka-send-pipeline.js';

interface PendingSend {
  readonly topicMessages: { topic: string; messages: KafkaJsMessage[] }[];
  resolve(): void;
  reject(error: unknown): void;
}

function fakeProducer() {
  const sends: PendingSend[] = [];
  const producer: KafkaJsMessageProducer = {
    sendBatch: (request) =>
      new Promise((resolve, reject) => {
        sends.push({ topicMessages: request.topicMessages, resolve: () => resolve([]), reject });
      }),
  };
  return { producer, sends };
}

function batchOf(count: number, topic = 't'): ConvertedBatch {
  const messages = Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`v${i}`) }));
  return { topicMessages: new Map([[topic, messages]]), count, bytes: count * 2 };
}

function pipeline(
  producer: KafkaJsMessageProducer,
  overrides: {
    maxInFlightRequests?: number;
    maxRecordsPerRequest?: number;
    lingerMs?: number;
    batchSizeBytes?: number;
  } = {},
) {
  const metrics = new SinkWriterMetricGroup(new MetricRegistry(), {});
  return {
    metrics,
    pipeline: new KafkaSendPipeline(producer, {
      acks: -1,
      sendTimeoutMs: 1000,
      compression: 0,
      maxInFlightRequests: overrides.maxInFlightRequests ?? 1,
      maxRecordsPerRequest: overrides.maxRecordsPerRequest ?? 1000,
      lingerMs: overrides.lingerMs ?? 0,
      batchSizeBytes: overrides.batchSizeBytes ?? 1_048_576,
      metrics,
      producerName: 'test',
    }),
  };
}

const flushMicrotasks = () => new Promise((resolve) => setImmediate(resolve));

describe('KafkaSendPipeline', () => {
  it('accumulates writes while a request is in flight and sends them as one request when it returns', async () => {
    const fake = fakeProducer();
    const { pipeline: p, metrics } = pipeline(fake.producer);
    await p.send(batchOf(3));
    expect(fake.sends).toHaveLength(1);
    // The window is full: these are buffered and send() returns without waiting.
    await p.send(batchOf(2));
    await p.send(batchOf(4));
    expect(fake.sends).toHaveLength(1);
    fake.sends[0]?.resolve();
    await flushMicrotasks();
    expect(metrics.numRecordsSend.count).toBe(3);
    expect(fake.sends).toHaveLength(2);
    expect(fake.sends[1]?.topicMessages.flatMap((t) => t.messages.map((m) => m.value?.toString()))).toEqual([
      'v0',
      'v1',
      'v0',
      'v1',
      'v2',
      'v3',
    ]);
    fake.sends[1]?.resolve();
    await p.flush();
    expect(metrics.numRecordsSend.count).toBe(9);
    expect(p.acknowledgedRecords).toBe(9);
  });

  it('waits (backpressure) once a full request is buffered behind a full window', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { maxRecordsPerRequest: 4 });
    await p.send(batchOf(1));
    let returned = false;
    const full = p.send(batchOf(4)).then(() => {
      returned = true;
    });
    await flushMicrotasks();
    expect(returned).toBe(false);
    fake.sends[0]?.resolve();
    await full;
    expect(fake.sends).toHaveLength(2);
    fake.sends[1]?.resolve();
    await p.flush();
  });

  it('with lingerMs holds a request that is not full until it is full', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { lingerMs: 60_000, batchSizeBytes: 10 });
    await p.send(batchOf(2)); // 4 bytes: not full
    await p.send(batchOf(1));
    expect(fake.sends).toHaveLength(0);
    await p.send(batchOf(3)); // 10 bytes: full, goes out at once
    expect(fake.sends).toHaveLength(1);
    fake.sends[0]?.resolve();
    await p.flush();
    expect(p.acknowledgedRecords).toBe(6);
  });

  it('with lingerMs sends a request that is not full once the linger ends', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { lingerMs: 20 });
    await p.send(batchOf(2));
    expect(fake.sends).toHaveLength(0);
    // No flush, no further write: the linger timer sends it.
    const deadline = Date.now() + 10_000;
    while (fake.sends.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(fake.sends).toHaveLength(1);
    expect(fake.sends[0]?.topicMessages[0]?.messages).toHaveLength(2);
    fake.sends[0]?.resolve();
    await p.flush();
  });

  it('flush sends what lingers at once', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { lingerMs: 60_000 });
    await p.send(batchOf(2));
    expect(fake.sends).toHaveLength(0);
    const flushed = p.flush();
    await flushMicrotasks();
    expect(fake.sends).toHaveLength(1);
    fake.sends[0]?.resolve();
    await flushed;
    expect(p.acknowledgedRecords).toBe(2);
  });

  it('splits large writes into requests of at most maxRecordsPerRequest, in order', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { maxInFlightRequests: 8, maxRecordsPerRequest: 4 });
    const batch: ConvertedBatch = {
      topicMessages: new Map([
        ['a', Array.from({ length: 6 }, (_, i) => ({ value: Buffer.from(`a${i}`) }))],
        ['b', Array.from({ length: 3 }, (_, i) => ({ value: Buffer.from(`b${i}`) }))],
      ]),
      count: 9,
      bytes: 18,
    };
    await p.send(batch);
    const sizes = fake.sends.map((s) => s.topicMessages.reduce((n, t) => n + t.messages.length, 0));
    expect(sizes).toEqual([4, 4, 1]);
    const order = fake.sends.flatMap((s) =>
      s.topicMessages.flatMap((t) => t.messages.map((m) => m.value?.toString())),
    );
    expect(order).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'b0', 'b1', 'b2']);
    for (const s of fake.sends) s.resolve();
    await p.flush();
  });

  it('keeps a background failure and rethrows it on the next send and flush', async () => {
    const fake = fakeProducer();
    const { pipeline: p, metrics } = pipeline(fake.producer, { maxInFlightRequests: 2 });
    await p.send(batchOf(2));
    fake.sends[0]?.reject(Object.assign(new Error('boom'), { type: 'NOT_ENOUGH_REPLICAS', retriable: true }));
    await flushMicrotasks();
    const sendError = await p.send(batchOf(1)).catch((e: unknown) => e);
    expect(hasErrorCode(sendError, KafkaErrorCodes.SEND_FAILED)).toBe(true);
    expect(await p.flush().catch((e: unknown) => e)).toBe(sendError);
    expect(metrics.numRecordsSendErrors.count).toBe(2);
  });

  it('does not send records buffered behind a failed request', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer);
    await p.send(batchOf(2));
    await p.send(batchOf(3)); // buffered behind the request in flight
    fake.sends[0]?.reject(Object.assign(new Error('boom'), { type: 'NOT_ENOUGH_REPLICAS' }));
    const error = await p.flush().catch((e: unknown) => e);
    expect(hasErrorCode(error, KafkaErrorCodes.SEND_FAILED)).toBe(true);
    expect(fake.sends).toHaveLength(1);
  });

  it('classifies a fenced producer as TRIB_KAFKA_TXN_FENCED', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer);
    await p.send(batchOf(1));
    fake.sends[0]?.reject(Object.assign(new Error('fenced'), { type: 'INVALID_PRODUCER_EPOCH' }));
    const error = await p.flush().catch((e: unknown) => e);
    expect(hasErrorCode(error, KafkaErrorCodes.TXN_FENCED)).toBe(true);
  });

  it('ignores empty batches', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer);
    await p.send({ topicMessages: new Map(), count: 0, bytes: 0 });
    expect(fake.sends).toHaveLength(0);
    expect(p.hasSent).toBe(false);
  });
});
