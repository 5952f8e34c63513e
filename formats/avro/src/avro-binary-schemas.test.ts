import { hasErrorCode } from '@tributary/core';
import { thrownBy } from '@tributary/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AvroDeserializationSchema, AvroSerializationSchema } from './avro-binary-schemas.js';
import { orderRecord, orderSchema } from './testing-fixtures/avro-records.js';

describe('Avro binary schemas', () => {
  it('serialize → deserialize returns the record (property)', () => {
    const ser = new AvroSerializationSchema({ schema: orderSchema });
    const de = new AvroDeserializationSchema({ schema: orderSchema });
    fc.assert(
      fc.property(orderRecord, (record) => {
        expect(de.deserialize(ser.serialize(record))).toEqual(record);
      }),
    );
  });

  it('accepts the schema as JSON text and longs as bigint', () => {
    const schema = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'n', type: 'long' }] });
    const ser = new AvroSerializationSchema({ schema, longs: 'bigint' });
    const de = new AvroDeserializationSchema({ schema, longs: 'bigint' });
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        expect(de.deserialize(ser.serialize({ n }))).toEqual({ n });
      }),
    );
  });

  it('resolves a writer schema to the reader schema (evolution)', () => {
    const v1 = { type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }] };
    const v2 = {
      type: 'record',
      name: 'User',
      fields: [
        { name: 'name', type: 'string' },
        { name: 'age', type: 'int', default: -1 },
      ],
    };
    const bytes = new AvroSerializationSchema({ schema: v1 }).serialize({ name: 'ann' });
    expect(new AvroDeserializationSchema({ schema: v2, writerSchema: v1 }).deserialize(bytes)).toEqual({
      name: 'ann',
      age: -1,
    });
  });

  it('names the field of an invalid value, never the value', () => {
    const ser = new AvroSerializationSchema({ schema: orderSchema });
    const error = thrownBy(() => ser.serialize({ customer: 'top-secret-customer', id: 'x' }));
    expect(hasErrorCode(error, 'TRIB_RECORD_INVALID')).toBe(true);
    expect(error.message).toContain('field id');
    expect(JSON.stringify(error.toJSON())).not.toContain('top-secret');
    expect(error.cause).toBeUndefined();
  });

  it('rejects truncated and over-long messages naming the origin', () => {
    const schema = { type: 'record', name: 'R', fields: [{ name: 's', type: 'string' }] };
    const bytes = new AvroSerializationSchema({ schema }).serialize({ s: 'hello' });
    const de = new AvroDeserializationSchema({ schema });
    const origin = { topic: 't', partition: 2, offset: 10 };
    expect(thrownBy(() => de.deserialize(bytes.subarray(0, 3), origin)).message).toBe(
      "Invalid Avro message: it is truncated (at topic 't', partition 2, offset 10)",
    );
    expect(thrownBy(() => de.deserialize(new Uint8Array([...bytes, 1]), origin)).message).toContain(
      '1 bytes left',
    );
  });

  it('reports a bad schema and a missing one as option errors', () => {
    expect(
      hasErrorCode(
        thrownBy(() => new AvroSerializationSchema({ schema: { type: 'nope' } })),
        'TRIB_INVALID_OPTIONS',
      ),
    ).toBe(true);
    expect(thrownBy(() => new AvroSerializationSchema({})).message).toContain(
      'format.avro.schema: is required',
    );
  });
});
