import { type DeserializationSchema, type RecordOrigin, recordInvalidError } from '@tributary/core';
import { type JsonFormatConfig, JsonFormatOptions } from './json-format-options.js';
import { INVALID, JsonRecordParser } from './json-record-parser.js';

/**
 * Decodes one message (Kafka, Pulsar, Kinesis) holding one JSON document.
 *
 * A message that is not valid JSON, or lacks a required field, throws `TRIB_RECORD_INVALID` naming
 * the origin (topic, partition, offset) and field, with at most a short snippet of the text — the
 * `DeserializationSchema` contract. Whether such a message fails the job or is skipped and counted
 * in `numRecordsInErrors` is the connector's decision; the `errors` option applies to file reading,
 * where the batch can report skipped records. `ignoreParseErrors` still nulls mistyped fields.
 */
export class JsonDeserializationSchema<T = unknown> implements DeserializationSchema<T> {
  private readonly parser: JsonRecordParser;
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: false });

  constructor(options: JsonFormatConfig = {}) {
    this.parser = new JsonRecordParser(JsonFormatOptions.parse(options));
  }

  deserialize(bytes: Uint8Array, origin?: RecordOrigin): T {
    if (bytes.byteLength === 0) {
      throw recordInvalidError('Invalid JSON record: the message is empty', { origin });
    }
    const text = this.decoder.decode(bytes);
    const value = this.parser.parse(text);
    if (value === INVALID) throw this.parser.error(text, { origin });
    return value as T;
  }
}
