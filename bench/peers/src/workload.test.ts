import { AvroSerializationSchema } from '@tributary/format-avro';
import { describe, expect, it } from 'vitest';
import { EVENT_AVRO_SCHEMA, embeddedTimestamp, eventJson } from './workload.js';

describe('peer benchmark workload', () => {
  it('builds JSON events of exactly the record size', () => {
    for (const size of [100, 1024]) {
      const value = eventJson(123_456, 1_796_000_000_000, size);
      expect(value.length).toBe(size);
      expect(JSON.parse(value.toString())).toMatchObject({ id: 123_456, ts: 1_796_000_000_000 });
    }
  });

  it('reads the send time back from JSON and from Avro output', () => {
    const ts = 1_796_000_000_123;
    expect(embeddedTimestamp(eventJson(-1, ts, 100), false)).toBe(ts);
    const avro = new AvroSerializationSchema({ schema: EVENT_AVRO_SCHEMA });
    const encoded = Buffer.from(avro.serialize({ id: -1, ts, pad: 'x' }));
    expect(embeddedTimestamp(encoded, true)).toBe(ts);
    expect(embeddedTimestamp(Buffer.from(avro.serialize({ id: 987_654_321, ts: 0, pad: '' })), true)).toBe(0);
  });
});
