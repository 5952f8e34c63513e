import { hasErrorCode } from '@tributary/core';
import { thrownBy } from '@tributary/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfluentAvroDeserializationSchema,
  ConfluentAvroSerializationSchema,
  schemaIdOf,
} from './confluent-avro-schemas.js';
import { InMemorySchemaRegistry } from './schema-registry.js';
import { orderRecord, orderSchema } from './testing-fixtures/avro-records.js';

describe('Confluent Schema Registry wire format', () => {
  it('writes magic byte 0 and the big-endian schema id', async () => {
    const registry = new InMemorySchemaRegistry();
    await registry.getIdForSchema('other', 'string');
    const ser = await ConfluentAvroSerializationSchema.create(registry, {
      subject: 's-value',
      schema: 'string',
    });
    expect(ser.schemaId).toBe(1);
    const ser2 = await ConfluentAvroSerializationSchema.create(registry, {
      subject: 's-value',
      schema: 'long',
    });
    const bytes = ser2.serialize(300);
    expect([...bytes.subarray(0, 5)]).toEqual([0, 0, 0, 0, 2]);
    expect(schemaIdOf(bytes)).toBe(2);
    expect(registry.versions('s-value')).toEqual([1, 2]);
  });

  it('serialize → prepare → deserialize returns the record (property)', async () => {
    const registry = new InMemorySchemaRegistry();
    const ser = await ConfluentAvroSerializationSchema.create(registry, {
      subject: 'orders-value',
      schema: orderSchema,
    });
    const de = new ConfluentAvroDeserializationSchema(registry);
    await fc.assert(
      fc.asyncProperty(fc.array(orderRecord, { minLength: 1, maxLength: 5 }), async (records) => {
        const messages = records.map((r) => ser.serialize(r));
        await de.prepare(messages);
        expect(messages.map((m) => de.deserialize(m))).toEqual(records);
      }),
      { numRuns: 50 },
    );
  });

  it('resolves each writer schema id to the reader schema', async () => {
    const registry = new InMemorySchemaRegistry();
    const v1 = { type: 'record', name: 'U', fields: [{ name: 'name', type: 'string' }] };
    const v2 = {
      type: 'record',
      name: 'U',
      fields: [
        { name: 'name', type: 'string' },
        { name: 'vip', type: 'boolean', default: false },
      ],
    };
    const old = await ConfluentAvroSerializationSchema.create(registry, { subject: 'u', schema: v1 });
    const cur = await ConfluentAvroSerializationSchema.create(registry, { subject: 'u', schema: v2 });
    const de = new ConfluentAvroDeserializationSchema(registry, { schema: v2 });
    const messages = [old.serialize({ name: 'a' }), cur.serialize({ name: 'b', vip: true })];
    await de.prepare(messages);
    expect(messages.map((m) => de.deserialize(m))).toEqual([
      { name: 'a', vip: false },
      { name: 'b', vip: true },
    ]);
  });

  it('fails clearly on unknown ids, bad magic bytes and short messages', async () => {
    const registry = new InMemorySchemaRegistry();
    const de = new ConfluentAvroDeserializationSchema(registry);
    const unknown = new Uint8Array([0, 0, 0, 0, 9, 2]);
    const notLoaded = thrownBy(() => de.deserialize(unknown));
    expect(hasErrorCode(notLoaded, 'TRIB_AVRO_SCHEMA_NOT_LOADED')).toBe(true);
    expect(notLoaded.retriable).toBe(true);
    await expect(de.prepare([unknown])).rejects.toSatisfy((e) =>
      hasErrorCode(e, 'TRIB_AVRO_SCHEMA_NOT_FOUND'),
    );
    const origin = { topic: 'x', partition: 0, offset: 1 };
    expect(thrownBy(() => de.deserialize(new Uint8Array([1, 0, 0, 0, 1, 0]), origin)).message).toBe(
      "Invalid Confluent Avro message: magic byte is 1, expected 0 (at topic 'x', partition 0, offset 1)",
    );
    expect(
      hasErrorCode(
        thrownBy(() => de.deserialize(new Uint8Array([0, 0]), origin)),
        'TRIB_RECORD_INVALID',
      ),
    ).toBe(true);
  });

  it('retries transient registry failures', async () => {
    const inner = new InMemorySchemaRegistry();
    const id = await inner.getIdForSchema('s', 'string');
    let calls = 0;
    const flaky = {
      getIdForSchema: inner.getIdForSchema.bind(inner),
      async getSchemaById(n: number) {
        calls++;
        if (calls === 1) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        return inner.getSchemaById(n);
      },
    };
    const ser = await ConfluentAvroSerializationSchema.create(inner, { subject: 's', schema: 'string' });
    const de = new ConfluentAvroDeserializationSchema(flaky);
    const message = ser.serialize('hi');
    expect(ser.schemaId).toBe(id);
    await de.prepare([message, message]);
    expect(de.deserialize(message)).toBe('hi');
    expect(calls).toBe(2);
  });

  it('asks the registry once for an id that several prepares meet at the same time', async () => {
    const inner = new InMemorySchemaRegistry();
    let lookups = 0;
    const counting = {
      getIdForSchema: inner.getIdForSchema.bind(inner),
      async getSchemaById(n: number) {
        lookups++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return inner.getSchemaById(n);
      },
    };
    const ser = await ConfluentAvroSerializationSchema.create(inner, { subject: 's', schema: 'string' });
    const de = new ConfluentAvroDeserializationSchema(counting);
    const message = ser.serialize('shared');
    // Two readers (fetch loops) sharing the deserializer prepare their batches concurrently.
    await Promise.all([de.prepare([message]), de.prepare([message]), de.prepare([message])]);
    expect(lookups).toBe(1);
    expect(de.deserialize(message)).toBe('shared');
  });
});
