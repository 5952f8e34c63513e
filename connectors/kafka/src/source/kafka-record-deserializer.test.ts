import type { DeserializationSchema } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { kafkaMessageDeserializer, utf8Schema, valueOnly } from './kafka-record-deserializer.js';

/** A schema that records what `prepare` was given (as text), like a registry format would look ids up. */
function preparingSchema(): DeserializationSchema<string> & { prepared: string[][] } {
  const prepared: string[][] = [];
  return {
    prepared,
    deserialize: (bytes) => Buffer.from(bytes).toString('utf8'),
    prepare: async (messages) => {
      prepared.push(messages.map((m) => Buffer.from(m).toString('utf8')));
    },
  };
}

const b = (text: string): Buffer => Buffer.from(text);

describe('prepare forwarding', () => {
  it('valueOnly prepares the non-null values once per batch', async () => {
    const value = preparingSchema();
    const deserializer = valueOnly(value);
    await deserializer.prepare?.([
      { key: b('k1'), value: b('v1') },
      { key: null, value: null },
      { key: b('k3'), value: b('v3') },
    ]);
    expect(value.prepared).toEqual([['v1', 'v3']]);
  });

  it('kafkaMessageDeserializer prepares keys and values separately, skipping nulls', async () => {
    const key = preparingSchema();
    const value = preparingSchema();
    const deserializer = kafkaMessageDeserializer({ key, value });
    await deserializer.prepare?.([
      { key: b('k1'), value: null },
      { key: null, value: b('v2') },
      { key: b('k3'), value: b('v3') },
    ]);
    expect(key.prepared).toEqual([['k1', 'k3']]);
    expect(value.prepared).toEqual([['v2', 'v3']]);
  });

  it('does not call prepare for a batch without keys (or values)', async () => {
    const key = preparingSchema();
    const value = preparingSchema();
    await kafkaMessageDeserializer({ key, value }).prepare?.([{ key: null, value: b('v') }]);
    expect(key.prepared).toEqual([]);
    expect(value.prepared).toEqual([['v']]);
  });

  it('has no prepare when no schema needs one (the fetch loop then skips the await)', () => {
    expect(valueOnly(utf8Schema).prepare).toBeUndefined();
    expect(kafkaMessageDeserializer({ key: utf8Schema, value: utf8Schema }).prepare).toBeUndefined();
    expect(kafkaMessageDeserializer().prepare).toBeUndefined();
    expect(kafkaMessageDeserializer({ key: utf8Schema, value: preparingSchema() }).prepare).toBeTypeOf(
      'function',
    );
  });

  it('passes a prepare failure through', async () => {
    const failing: DeserializationSchema<string> = {
      deserialize: () => '',
      prepare: () => Promise.reject(new Error('registry down')),
    };
    await expect(valueOnly(failing).prepare?.([{ key: null, value: b('v') }])).rejects.toThrow(
      'registry down',
    );
  });
});

describe('record buffers', () => {
  /** A record whose key, value and header are views into one large "fetch response". */
  function recordInResponse() {
    const response = Buffer.alloc(1 << 20);
    response.write('key', 100);
    response.write('value', 200);
    response.write('hdr', 300);
    return {
      response,
      record: {
        topic: 't',
        partition: 0,
        offset: 7,
        timestamp: 1,
        key: response.subarray(100, 103),
        value: response.subarray(200, 205),
        headers: { h: response.subarray(300, 303), many: [response.subarray(300, 303)] },
      },
    };
  }

  it('kafkaMessageDeserializer keeps copies of raw keys, values and headers, not views that pin the fetch response', () => {
    const { response, record } = recordInResponse();
    const message = kafkaMessageDeserializer().deserialize(record);
    if (message === undefined) throw new Error('no message');
    const kept = [message.key, message.value, message.headers.h, ...(message.headers.many as Buffer[])];
    expect(kept.map((b) => b?.toString())).toEqual(['key', 'value', 'hdr', 'hdr']);
    for (const buffer of kept) expect((buffer as Buffer).buffer).not.toBe(response.buffer);
    // Changing the response (kafkajs reuses nothing, but a pinned view would see it) leaves the copies.
    response.fill(0);
    expect(message.value?.toString()).toBe('value');
  });
});
