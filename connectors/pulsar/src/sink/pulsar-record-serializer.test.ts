import { hasErrorCode } from '@tributary/core';
import { fakeBatchContext, thrownBy } from '@tributary/core/testing';
import { keyHashPartition } from '@tributary/pulsar-client';
import { describe, expect, it } from 'vitest';
import { convertBatch } from './pulsar-message-converter.js';
import { routerFunction } from './pulsar-message-router.js';
import { pulsarRecordSerializer } from './pulsar-record-serializer.js';
import { PulsarSinkErrorCodes } from './pulsar-sink-error-codes.js';

interface Order {
  readonly id: string;
  readonly region: string;
  readonly amount: number;
}

const ctx = { subtaskId: 1, parallelism: 2 };
const order = (id: string, region = 'eu'): Order => ({ id, region, amount: 3 });
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('pulsarRecordSerializer + convertBatch', () => {
  it('maps topic, value, key, properties, event time and delayed delivery onto the client message', () => {
    const serializer = pulsarRecordSerializer<Order>({
      topic: (o) => `orders-${o.region}`,
      value: (o) => JSON.stringify(o),
      key: (o) => o.id,
      properties: (o) => ({ region: o.region }),
      deliverAt: (o) => (o.id === 'late' ? 5_000 : undefined),
    });
    const [first, second] = convertBatch(
      serializer,
      [order('a'), order('late', 'us')],
      fakeBatchContext([1000, undefined]),
      ctx,
    );
    expect(first?.topic).toBe('orders-eu');
    expect(decode(first?.message.payload as Uint8Array)).toBe('{"id":"a","region":"eu","amount":3}');
    expect(first?.message).toMatchObject({ key: 'a', properties: { region: 'eu' }, eventTime: 1000 });
    expect(first?.message.deliverAt).toBeUndefined();
    expect(second?.topic).toBe('orders-us');
    expect(second?.message).toMatchObject({ key: 'late', deliverAt: 5_000 });
    expect(second?.message.eventTime).toBeUndefined();
  });

  it('delays by a fixed time from the send, and can drop or derive the event time', () => {
    const before = Date.now();
    const serializer = pulsarRecordSerializer<Order>({
      topic: 't',
      value: { serialize: (o) => new TextEncoder().encode(o.id) },
      deliverAfterMs: 60_000,
      eventTime: (o, t) => (t ?? 0) + o.amount,
    });
    const [m] = convertBatch(serializer, [order('x')], fakeBatchContext([10]), ctx);
    expect(decode(m?.message.payload as Uint8Array)).toBe('x');
    expect(m?.message.eventTime).toBe(13);
    expect(m?.message.deliverAt).toBeGreaterThanOrEqual(before + 60_000);
    const none = pulsarRecordSerializer<Order>({ topic: 't', value: (o) => o.id, eventTime: 'none' });
    expect(
      convertBatch(none, [order('x')], fakeBatchContext([10]), ctx)[0]?.message.eventTime,
    ).toBeUndefined();
  });

  it('names the failing record by its index in a typed error', () => {
    const serializer = pulsarRecordSerializer<Order>({
      topic: 't',
      value: (o) => {
        if (o.id === 'bad') throw new Error('amount is not a number');
        return o.id;
      },
    });
    const error = thrownBy(() =>
      convertBatch(serializer, [order('ok'), order('bad')], fakeBatchContext(), ctx),
    );
    expect(hasErrorCode(error, PulsarSinkErrorCodes.SERIALIZATION_FAILED)).toBe(true);
    expect(error.message).toContain('record 1 of the batch: amount is not a number');
  });
});

describe('routerFunction', () => {
  const message = (key?: string) => ({ topic: 't', value: 'v', ...(key === undefined ? {} : { key }) });

  it('key-hash routes a key where the Java client does (murmur3), keyless messages round-robin', () => {
    const route = routerFunction<unknown>('key-hash', ctx);
    for (const key of ['a', 'order-17', 'Ωmega'])
      expect(route(null, message(key), 7, ctx)).toBe(keyHashPartition(key, 7));
    expect(Array.from({ length: 6 }, () => route(null, message(), 3, ctx))).toEqual([2, 0, 1, 2, 0, 1]);
  });

  it('round-robin spreads messages evenly whatever their key', () => {
    const route = routerFunction<unknown>('round-robin', ctx);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) {
      const p = route(null, message('same'), 4, ctx);
      counts[p] = (counts[p] ?? 0) + 1;
    }
    expect(counts).toEqual([100, 100, 100, 100]);
  });

  it('passes a custom router the record, the message, the partition count and the writer context', () => {
    const route = routerFunction<Order>(
      (o, m, count, c) => (o.amount + (m.key?.length ?? 0) + c.subtaskId) % count,
      ctx,
    );
    expect(route(order('x'), message('ab'), 5, ctx)).toBe((3 + 2 + 1) % 5);
  });
});
