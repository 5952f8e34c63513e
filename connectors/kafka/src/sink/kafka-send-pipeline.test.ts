import { hasErrorCode, MetricRegistry, SinkWriterMetricGroup, type TributaryError } from '@tributary/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KafkaJsMessage, KafkaJsMessageProducer } from '../client/kafkajs-internals.js';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { ConvertedBatch } from './kafka-message-converter.js';
import { KafkaSendPipeline, type KafkaSendPipelineOptions } from './kafka-send-pipeline.js';

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

let written = 0;
/** `count` records `v<n>` numbered across the test's writes. */
function batchOf(count: number, topic = 't'): ConvertedBatch {
  const messages = Array.from({ length: count }, () => ({ value: Buffer.from(`v${written++}`) }));
  return {
    topicMessages: new Map([[topic, messages]]),
    count,
    bytes: messages.reduce((n, m) => n + m.value.length, 0),
  };
}

const valuesOf = (send: PendingSend | undefined) =>
  (send?.topicMessages ?? []).flatMap((t) => t.messages.map((m) => m.value?.toString()));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `v${from + i}`);

function pipeline(producer: KafkaJsMessageProducer, overrides: Partial<KafkaSendPipelineOptions> = {}) {
  const metrics = new SinkWriterMetricGroup(new MetricRegistry(), {});
  return {
    metrics,
    pipeline: new KafkaSendPipeline(producer, {
      acks: -1,
      sendTimeoutMs: 1000,
      compression: 0,
      maxInFlightRequests: 1,
      maxRecordsPerRequest: 1000,
      batchSizeBytes: 1_000_000,
      // Long enough that no test sends because of it unless it advances the clock.
      lingerMs: 60_000,
      metrics,
      producerName: 'test-producer',
      ...overrides,
    }),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

beforeEach(() => {
  written = 0;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('KafkaSendPipeline accumulation', () => {
  it('size trigger: accumulates writes until maxRecordsPerRequest, then sends them as one request', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { maxRecordsPerRequest: 10 });
    for (let i = 0; i < 3; i++) await p.send(batchOf(3));
    expect(fake.sends).toHaveLength(0);
    expect(p.accumulatedRecords).toBe(9);
    await p.send(batchOf(3));
    expect(fake.sends).toHaveLength(1);
    expect(valuesOf(fake.sends[0])).toEqual(range(0, 10));
    expect(p.accumulatedRecords).toBe(2);
  });

  it('size trigger: batchSizeBytes makes a request full', async () => {
    const fake = fakeProducer();
    // Values v0..v9 are 2 bytes each: 5 records fill 10 bytes.
    const { pipeline: p } = pipeline(fake.producer, { batchSizeBytes: 10 });
    await p.send(batchOf(4));
    expect(fake.sends).toHaveLength(0);
    await p.send(batchOf(2));
    expect(valuesOf(fake.sends[0])).toEqual(range(0, 5));
  });

  it('linger trigger: a request that is not full goes out lingerMs after its first record, not before', async () => {
    const fake = fakeProducer();
    const { pipeline: p, metrics } = pipeline(fake.producer, { lingerMs: 50 });
    await p.send(batchOf(2));
    await vi.advanceTimersByTimeAsync(30);
    await p.send(batchOf(2)); // joins the lingering request; does not restart its timer
    await vi.advanceTimersByTimeAsync(19);
    expect(fake.sends).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.sends).toHaveLength(1);
    expect(valuesOf(fake.sends[0])).toEqual(range(0, 4));
    fake.sends[0]?.resolve();
    await p.flush();
    expect(metrics.numRecordsSend.count).toBe(4);
  });

  it('linger trigger: records written while a request is in flight wait for their own linger', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { lingerMs: 50 });
    await p.send(batchOf(1));
    await vi.advanceTimersByTimeAsync(50);
    expect(fake.sends).toHaveLength(1);
    await p.send(batchOf(1));
    await vi.advanceTimersByTimeAsync(50); // lingered, but the window is full
    expect(fake.sends).toHaveLength(1);
    fake.sends[0]?.resolve();
    await settle();
    expect(valuesOf(fake.sends[1])).toEqual(['v1']);
  });

  it('lingerMs 0: sends at once when the window is free, and everything written meanwhile when it frees', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { lingerMs: 0 });
    await p.send(batchOf(2));
    expect(fake.sends).toHaveLength(1);
    await p.send(batchOf(2));
    await p.send(batchOf(3));
    expect(fake.sends).toHaveLength(1);
    fake.sends[0]?.resolve();
    await settle();
    expect(fake.sends.map(valuesOf)).toEqual([range(0, 2), range(2, 7)]);
  });

  it('flush on a barrier sends what is accumulated at once, without waiting for the linger timer', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { lingerMs: 60_000 });
    await p.send(batchOf(3));
    let flushed = false;
    const flushing = p.flush().then(() => {
      flushed = true;
    });
    await settle();
    // The clock never moves in this test: only the flush can have sent the request.
    expect(fake.sends).toHaveLength(1);
    expect(flushed).toBe(false);
    fake.sends[0]?.resolve();
    await flushing;
    expect(p.acknowledgedRecords).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('flush sends the accumulated records after the request in flight, in order', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { maxRecordsPerRequest: 4 });
    await p.send(batchOf(4)); // full: in flight
    await p.send(batchOf(2)); // open
    const flushing = p.flush();
    await settle();
    expect(fake.sends).toHaveLength(1);
    fake.sends[0]?.resolve();
    await settle();
    expect(fake.sends).toHaveLength(2);
    fake.sends[1]?.resolve();
    await flushing;
    expect(fake.sends.map(valuesOf)).toEqual([range(0, 4), range(4, 6)]);
  });

  it('backpressure: a write waits while a full request waits for the window', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { maxRecordsPerRequest: 2 });
    await p.send(batchOf(2));
    expect(fake.sends).toHaveLength(1);
    let returned = false;
    const second = p.send(batchOf(2)).then(() => {
      returned = true;
    });
    await settle();
    expect(returned).toBe(false);
    fake.sends[0]?.resolve();
    await second;
    expect(fake.sends).toHaveLength(2);
    fake.sends[1]?.resolve();
    await p.flush();
    expect(p.acknowledgedRecords).toBe(4);
  });

  it('splits a large write into full requests, in order, within the window', async () => {
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
    expect(fake.sends.map(valuesOf)).toEqual([
      ['a0', 'a1', 'a2', 'a3'],
      ['a4', 'a5', 'b0', 'b1'],
    ]);
    const flushing = p.flush();
    await settle();
    expect(valuesOf(fake.sends[2])).toEqual(['b2']);
    for (const s of fake.sends) s.resolve();
    await flushing;
  });
});

describe('KafkaSendPipeline failures', () => {
  it('names the failed request’s records and rethrows on the next send and flush; nothing is sent after it', async () => {
    const fake = fakeProducer();
    const { pipeline: p, metrics } = pipeline(fake.producer, { maxRecordsPerRequest: 3 });
    await p.send(batchOf(3)); // records #0–#2: in flight
    await p.send(batchOf(2)); // #3–#4: accumulated
    fake.sends[0]?.reject(Object.assign(new Error('boom'), { type: 'NOT_ENOUGH_REPLICAS', retriable: true }));
    await settle();
    const sendError = (await p.send(batchOf(1)).catch((e: unknown) => e)) as TributaryError;
    expect(hasErrorCode(sendError, KafkaErrorCodes.SEND_FAILED)).toBe(true);
    expect(sendError.message).toContain('records #0–#2 written through test-producer, topics t');
    expect(sendError.context).toMatchObject({
      producer: 'test-producer',
      firstRecord: 0,
      lastRecord: 2,
      records: 3,
      kafkaError: 'NOT_ENOUGH_REPLICAS',
    });
    expect(await p.flush().catch((e: unknown) => e)).toBe(sendError);
    expect(fake.sends).toHaveLength(1);
    expect(p.accumulatedRecords).toBe(0);
    expect(metrics.numRecordsSendErrors.count).toBe(3);
  });

  it('names the largest record when the broker refuses a record as too large', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer);
    const mixed: ConvertedBatch = {
      topicMessages: new Map([
        ['small', [{ value: Buffer.from('x') }]],
        ['big', [{ value: Buffer.from('y') }, { key: Buffer.from('k'), value: Buffer.alloc(500) }]],
      ]),
      count: 3,
      bytes: 503,
    };
    await p.send(batchOf(2)); // #0–#1
    await p.send(mixed); // #2 small, #3–#4 big
    const flushing = p.flush().catch((e: unknown) => e);
    await settle();
    fake.sends[0]?.reject(Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' }));
    const error = (await flushing) as TributaryError;
    expect(error.message).toContain('records #0–#4');
    expect(error.message).toContain('largest record is #4 (topic big, 501 bytes of key and value)');
    expect(error.context.largestRecord).toEqual({ record: 4, topic: 'big', bytes: 501 });
  });

  it('a failure while lingering surfaces on the next call, never as an unhandled rejection', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { lingerMs: 10 });
    await p.send(batchOf(1));
    await vi.advanceTimersByTimeAsync(10);
    fake.sends[0]?.reject(new Error('connection lost'));
    await settle();
    expect(hasErrorCode(await p.flush().catch((e: unknown) => e), KafkaErrorCodes.SEND_FAILED)).toBe(true);
  });

  it('classifies a fenced producer as TRIB_KAFKA_TXN_FENCED', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer);
    await p.send(batchOf(1));
    const flushing = p.flush().catch((e: unknown) => e);
    await settle();
    fake.sends[0]?.reject(Object.assign(new Error('fenced'), { type: 'INVALID_PRODUCER_EPOCH' }));
    expect(hasErrorCode(await flushing, KafkaErrorCodes.TXN_FENCED)).toBe(true);
  });
});

describe('KafkaSendPipeline lifecycle', () => {
  it('abandon drops accumulated records, waits for the request in flight and sends nothing later', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { maxRecordsPerRequest: 2, lingerMs: 5 });
    await p.send(batchOf(2)); // in flight
    await p.send(batchOf(1)); // lingering
    let done = false;
    const abandoning = p.abandon().then(() => {
      done = true;
    });
    await settle();
    expect(done).toBe(false);
    fake.sends[0]?.resolve();
    await abandoning;
    await vi.advanceTimersByTimeAsync(100);
    expect(fake.sends).toHaveLength(1);
    expect(p.accumulatedRecords).toBe(0);
    expect(hasErrorCode(await p.send(batchOf(1)).catch((e: unknown) => e), 'TRIB_CLOSED')).toBe(true);
  });

  it('ignores empty writes', async () => {
    const fake = fakeProducer();
    const { pipeline: p } = pipeline(fake.producer, { lingerMs: 0 });
    await p.send({ topicMessages: new Map(), count: 0, bytes: 0 });
    await p.flush();
    expect(fake.sends).toHaveLength(0);
    expect(p.hasSent).toBe(false);
  });
});
