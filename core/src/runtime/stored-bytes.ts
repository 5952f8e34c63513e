import { Buffer } from 'node:buffer';
import type { VersionedSerializer } from '../serialization/versioned-serializer.js';
import type { StoredBytes } from './messages.js';

/** Serializes a value into the message/checkpoint form. */
export function toStored<T>(serializer: VersionedSerializer<T>, value: T): StoredBytes {
  const bytes = serializer.serialize(value);
  return {
    v: serializer.version,
    b64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  };
}

/** Reads a value from the message/checkpoint form. */
export function fromStored<T>(serializer: VersionedSerializer<T>, stored: StoredBytes): T {
  return serializer.deserialize(stored.v, new Uint8Array(Buffer.from(stored.b64, 'base64')));
}
