import { MemoryFileInput, MemoryFileOutput, readFileRegion } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import {
  AvroFileFormat,
  AvroWriterFormat,
  ConfluentAvroDeserializationSchema,
  ConfluentAvroSerializationSchema,
  InMemorySchemaRegistry,
} from './index.js';

// The #regions below are the snippets of formats/avro/README.md and docs/formats/avro.md
// (docs-sections.test.ts copies them there), so every snippet in the docs runs.

const orderSchema = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'customer', type: 'string' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

describe('Avro docs examples', () => {
  it('uses the Confluent wire format with a schema registry', async () => {
    // #region avro-confluent
    const registry = new InMemorySchemaRegistry(); // or your client of the registry's HTTP API
    const serializer = await ConfluentAvroSerializationSchema.create(registry, {
      subject: 'orders-value',
      schema: orderSchema,
    });
    const message = serializer.serialize({ id: 1, customer: 'ann', note: null }); // 0x00, id, Avro binary

    const deserializer = new ConfluentAvroDeserializationSchema(registry, { schema: orderSchema });
    await deserializer.prepare([message]); // the connector calls this once per fetched batch
    const order = deserializer.deserialize(message, { topic: 'orders', partition: 0, offset: 0 });
    // #endregion avro-confluent
    expect(order).toEqual({ id: 1, customer: 'ann', note: null });
  });

  it('writes and reads container files', async () => {
    // #region avro-files
    const output = new MemoryFileOutput(); // an open part file, from the files connector
    const writer = new AvroWriterFormat({ schema: orderSchema, codec: 'deflate' }).createWriter(output);
    await writer.writeBatch([
      { id: 1, customer: 'ann', note: null },
      { id: 2, customer: 'bob', note: 'gift' },
    ]);
    await writer.finish();

    const { records, positions } = await readFileRegion(
      new AvroFileFormat(),
      new MemoryFileInput(output.bytes()),
    );
    // positions[0] = { offset: <block start>, recordsToSkip: 1 }: reopen there to get record 2 only
    // #endregion avro-files
    expect(records).toEqual([
      { id: 1, customer: 'ann', note: null },
      { id: 2, customer: 'bob', note: 'gift' },
    ]);
    expect(positions[0]?.recordsToSkip).toBe(1);
  });
});
