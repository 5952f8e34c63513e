import { MemoryFileOutput } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { JsonSerializationSchema } from './json-serialization-schema.js';
import { JsonWriterFormat } from './json-writer-format.js';

describe('JSON values without a JSON form', () => {
  it('NaN and ±Infinity are an error, not a silent null', async () => {
    const serializer = new JsonSerializationSchema();
    for (const bad of [
      { x: Number.NaN },
      { a: [1, Number.POSITIVE_INFINITY] },
      { n: { m: Number.NEGATIVE_INFINITY } },
    ]) {
      expect(() => serializer.serialize(bad)).toThrow(/NaN and ±Infinity/);
    }
    const writer = new JsonWriterFormat().createWriter(new MemoryFileOutput());
    await expect(writer.writeBatch([{ ok: 1 }, { d: Number.NaN }])).rejects.toThrow(/Record 1 of the batch/);
  });

  it('null values and Dates still write as before', () => {
    const serializer = new JsonSerializationSchema();
    const text = new TextDecoder().decode(
      serializer.serialize({ a: null, b: [null, 1.5], at: new Date('1969-12-31T23:59:59.999Z') }),
    );
    expect(text).toBe('{"a":null,"b":[null,1.5],"at":"1969-12-31T23:59:59.999Z"}');
  });
});
