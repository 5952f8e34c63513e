import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import type { KafkaConsumerRecord } from '../source/kafka-record-deserializer.js';
import { upsertKafkaRecordDeserializer, upsertKafkaRecordSerializer } from './upsert-record.js';

const text = {
  serialize: (v: string) => new TextEncoder().encode(v),
  deserialize: (b: Uint8Array) => new TextDecoder().decode(b),
};
const json = {
  serialize: (v: { n: number }) => new TextEncoder().encode(JSON.stringify(v)),
  deserialize: (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as { n: number },
};
const ctx = { subtaskId: 0, parallelism: 1 };

function consumed(key: string | null, value: string | null): KafkaConsumerRecord {
  return {
    topic: 't',
    partition: 0,
    offset: 4,
    timestamp: 0,
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers: {},
  };
}

describe('upsert mode', () => {
  it('serializes upserts as key + value and deletes as tombstones', () => {
    const s = upsertKafkaRecordSerializer({ topic: 'table', key: text, value: json });
    const upsert = s.serialize({ kind: 'upsert', key: 'a', value: { n: 1 } }, 5, ctx);
    expect(new TextDecoder().decode(upsert.key as Uint8Array)).toBe('a');
    expect(JSON.parse(new TextDecoder().decode(upsert.value as Uint8Array))).toEqual({ n: 1 });
    expect(upsert.timestamp).toBe(5);
    const del = s.serialize({ kind: 'delete', key: 'a' }, undefined, ctx);
    expect(del.value).toBeNull();
    expect(s.partitioner).toBeUndefined();
  });

  it('reads values as upserts and tombstones as deletes', () => {
    const d = upsertKafkaRecordDeserializer({ key: text, value: json });
    expect(d.deserialize(consumed('a', '{"n":2}'))).toEqual({ kind: 'upsert', key: 'a', value: { n: 2 } });
    expect(d.deserialize(consumed('a', null))).toEqual({ kind: 'delete', key: 'a' });
  });

  it('refuses a record without a key, naming where it is', () => {
    const d = upsertKafkaRecordDeserializer({ key: text, value: json });
    let error: unknown;
    try {
      d.deserialize(consumed(null, '{"n":1}'));
    } catch (e) {
      error = e;
    }
    expect(hasErrorCode(error, KafkaErrorCodes.DESERIALIZATION_FAILED)).toBe(true);
    expect((error as { context: unknown }).context).toEqual({ topic: 't', partition: 0, offset: 4 });
  });

  it('forwards prepare to the key and value schemas (registry formats), tombstones left out', async () => {
    const prepared: { key: string[]; value: string[] } = { key: [], value: [] };
    const recording = <T>(schema: { deserialize(b: Uint8Array): T }, into: string[]) => ({
      ...schema,
      prepare: async (messages: readonly Uint8Array[]) => {
        for (const m of messages) into.push(new TextDecoder().decode(m));
      },
    });
    const d = upsertKafkaRecordDeserializer({
      key: recording(text, prepared.key),
      value: recording(text, prepared.value),
    });
    await d.prepare?.([consumed('a', 'row-a'), consumed('b', null)]);
    expect(prepared).toEqual({ key: ['a', 'b'], value: ['row-a'] });
    expect(upsertKafkaRecordDeserializer({ key: text, value: json }).prepare).toBeUndefined();
  });
});
