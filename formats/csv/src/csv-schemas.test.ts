import { hasErrorCode } from '@tributary/core';
import { thrownBy } from '@tributary/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvDeserializationSchema, CsvSerializationSchema } from './csv-schemas.js';

describe('CSV (de)serialization schemas', () => {
  it('serialize → deserialize returns the record (property)', () => {
    const options = {
      columns: ['a', { name: 'n', type: 'number' as const }, 'b'],
      nullLiteral: 'NULL',
      delimiter: ';',
    };
    const ser = new CsvSerializationSchema(options);
    const de = new CsvDeserializationSchema(options);
    const text = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom('NULL', ';', '"', '\r\n', '\n', ''),
    );
    fc.assert(
      fc.property(
        fc.record({ a: fc.option(text, { nil: null }), n: fc.option(fc.double(), { nil: null }), b: text }),
        (record) => {
          expect(de.deserialize(ser.serialize(record))).toEqual(record);
        },
      ),
    );
  });

  it('accepts a trailing line break and names origin and column on errors', () => {
    const de = new CsvDeserializationSchema({ columns: ['a', { name: 'ok', type: 'boolean' }] });
    const encode = (s: string) => new TextEncoder().encode(s);
    expect(de.deserialize(encode('x,true\r\n'))).toEqual({ a: 'x', ok: true });
    const origin = { topic: 'flags', partition: 1, offset: 7 };
    const error = thrownBy(() => de.deserialize(encode('x,maybe'), origin));
    expect(hasErrorCode(error, 'TRIB_RECORD_INVALID')).toBe(true);
    expect(error.message).toContain("topic 'flags', partition 1, offset 7, column 2, field 'ok'");
    expect(thrownBy(() => de.deserialize(encode('a,true\nb,false'), origin)).message).toContain(
      'more than one record',
    );
  });
});
