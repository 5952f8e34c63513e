import { MemoryFileInput, MemoryFileOutput, readFileRegion } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import {
  JsonDeserializationSchema,
  JsonFileFormat,
  JsonSerializationSchema,
  JsonWriterFormat,
} from './index.js';

// The #regions below are the snippets of formats/json/README.md and docs/formats/json.md
// (docs-sections.test.ts copies them there), so every snippet in the docs runs.

describe('JSON docs examples', () => {
  it('reads JSON Lines with required fields, skipping bad lines', async () => {
    // #region json-read
    const format = new JsonFileFormat({
      fields: ['id', { name: 'amount', type: 'number' }],
      errors: 'skip-and-count',
    });
    const input = new MemoryFileInput('{"id":1,"amount":9.5}\n{"id":2}\nnot json\n', {
      path: 'orders.jsonl',
    });
    const { records, skippedErrors, positions } = await readFileRegion(format, input);
    // records: [{ id: 1, amount: 9.5 }, { id: 2, amount: null }]; skippedErrors: 1 (numRecordsInErrors)
    // positions[0]: { offset: 22, recordsToSkip: 0 } — reopen there to continue with record 2
    // #endregion json-read
    expect(records).toEqual([
      { id: 1, amount: 9.5 },
      { id: 2, amount: null },
    ]);
    expect(skippedErrors).toBe(1);
    expect(positions[0]).toEqual({ offset: 22, recordsToSkip: 0 });
  });

  it('writes JSON Lines part files', async () => {
    // #region json-write
    const output = new MemoryFileOutput(); // the files connector passes an open part file
    const writer = new JsonWriterFormat().createWriter(output);
    await writer.writeBatch([{ id: 1, text: 'two\nlines' }, { id: 2 }]);
    await writer.finish();
    // output.text(): '{"id":1,"text":"two\\nlines"}\n{"id":2}\n'
    // #endregion json-write
    expect(output.text()).toBe('{"id":1,"text":"two\\nlines"}\n{"id":2}\n');
  });

  it('(de)serializes messages', () => {
    // #region json-messages
    const serializer = new JsonSerializationSchema<{ id: number }>();
    const deserializer = new JsonDeserializationSchema<{ id: number }>({
      fields: ['id'],
      failOnMissingField: true,
    });
    const bytes = serializer.serialize({ id: 7 });
    const value = deserializer.deserialize(bytes, { topic: 'orders', partition: 0, offset: 42 });
    // value: { id: 7 }; a bad message throws TRIB_RECORD_INVALID naming topic, partition, offset and field
    // #endregion json-messages
    expect(value).toEqual({ id: 7 });
  });
});
