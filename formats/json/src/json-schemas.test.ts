import { hasErrorCode } from '@tributary/core';
import { thrownBy } from '@tributary/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonDeserializationSchema } from './json-deserialization-schema.js';
import { JsonSerializationSchema } from './json-serialization-schema.js';

describe('JSON (de)serialization schemas', () => {
  it('serialize → deserialize returns the value (property)', () => {
    const ser = new JsonSerializationSchema();
    const de = new JsonDeserializationSchema();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // JSON has no -0: it reads back as 0.
        expect(de.deserialize(ser.serialize(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('keeps tricky strings intact (property)', () => {
    const ser = new JsonSerializationSchema();
    const de = new JsonDeserializationSchema();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), (a, b) => {
        const value = { a, b };
        expect(de.deserialize(ser.serialize(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('names the message origin and field on errors', () => {
    const de = new JsonDeserializationSchema({ fields: [{ name: 'id', type: 'number', nullable: false }] });
    const origin = { topic: 'orders', partition: 3, offset: '42' };
    const error = thrownBy(() => de.deserialize(new TextEncoder().encode('{"id":null}'), origin));
    expect(hasErrorCode(error, 'TRIB_RECORD_INVALID')).toBe(true);
    expect(error.message).toBe(
      "Invalid JSON record: field must not be null (at topic 'orders', partition 3, offset 42, field 'id')",
    );
    expect(error.context).toMatchObject({ topic: 'orders', partition: 3, offset: '42', field: 'id' });

    const syntax = thrownBy(() => de.deserialize(new TextEncoder().encode('{"secret":"abc'), origin));
    expect(syntax.message).toContain('invalid JSON');
    expect(syntax.message).not.toContain('abc');
    expect(thrownBy(() => de.deserialize(new Uint8Array(0), origin)).message).toContain('empty');
  });

  it('rejects values JSON cannot hold without printing them', () => {
    const ser = new JsonSerializationSchema();
    expect(
      hasErrorCode(
        thrownBy(() => ser.serialize(10n)),
        'TRIB_RECORD_INVALID',
      ),
    ).toBe(true);
    expect(thrownBy(() => ser.serialize(undefined)).message).toContain('it is undefined');
    const cyclic: Record<string, unknown> = { token: 's3cr3t' };
    cyclic.self = cyclic;
    const error = thrownBy(() => ser.serialize(cyclic));
    expect(error.message).toContain('circular');
    expect(error.message).not.toContain('s3cr3t');
  });
});
