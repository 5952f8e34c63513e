import {
  type DeserializationSchema,
  type RecordOrigin,
  recordInvalidError,
  type SerializationSchema,
} from '@tributary/core';
import { type RawFormatConfig, RawFormatOptions } from './raw-format-options.js';

/** Passes message bytes through unchanged, both ways (the record is the payload). */
export class RawBytesSchema implements DeserializationSchema<Uint8Array>, SerializationSchema<Uint8Array> {
  deserialize(bytes: Uint8Array): Uint8Array {
    return bytes;
  }

  serialize(value: Uint8Array): Uint8Array {
    if (!(value instanceof Uint8Array)) {
      throw recordInvalidError(`Raw bytes record must be a Uint8Array, got ${typeof value}`);
    }
    return value;
  }
}

/**
 * Messages as UTF-8 strings, both ways. A byte order mark is kept: in a message it is data. With
 * `invalidUtf8: 'fail'`, bytes that are not UTF-8 throw `TRIB_RECORD_INVALID` naming the origin.
 */
export class RawStringSchema implements DeserializationSchema<string>, SerializationSchema<string> {
  private readonly decoder: InstanceType<typeof TextDecoder>;
  private readonly encoder = new TextEncoder();

  constructor(options: RawFormatConfig = {}) {
    const resolved = RawFormatOptions.parse(options);
    this.decoder = new TextDecoder('utf-8', { fatal: resolved.invalidUtf8 === 'fail', ignoreBOM: true });
  }

  deserialize(bytes: Uint8Array, origin?: RecordOrigin): string {
    try {
      return this.decoder.decode(bytes);
    } catch {
      throw recordInvalidError('Message is not valid UTF-8', { origin });
    }
  }

  serialize(value: string): Uint8Array {
    if (typeof value !== 'string') {
      throw recordInvalidError(`Raw string record must be a string, got ${typeof value}`);
    }
    return this.encoder.encode(value);
  }
}
