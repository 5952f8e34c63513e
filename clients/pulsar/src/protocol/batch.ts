import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { type SingleMessageMetadata, SingleMessageMetadataSchema } from '../proto/PulsarApi_pb.js';

/** One message inside a batch payload. */
export interface BatchEntry {
  readonly metadata: SingleMessageMetadata;
  readonly payload: Uint8Array;
}

/** `[metadataSize][SingleMessageMetadata][payload]` per message, back to back (before compression). */
export function encodeBatch(entries: readonly BatchEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let length = 0;
  for (const entry of entries) {
    const meta = toBinary(SingleMessageMetadataSchema, {
      ...entry.metadata,
      payloadSize: entry.payload.length,
    });
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(0, meta.length);
    parts.push(head, meta, entry.payload);
    length += 4 + meta.length + entry.payload.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Splits an (uncompressed) batch payload into its `count` messages. */
export function decodeBatch(payload: Uint8Array, count: number): BatchEntry[] {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const entries: BatchEntry[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > payload.length) throw new Error(`batch ends after ${i} of ${count} messages`);
    const metaSize = view.getUint32(offset);
    offset += 4;
    const metadata = fromBinary(SingleMessageMetadataSchema, payload.subarray(offset, offset + metaSize));
    offset += metaSize;
    const end = offset + metadata.payloadSize;
    if (end > payload.length) throw new Error(`batch message ${i} overruns the payload`);
    entries.push({ metadata, payload: payload.subarray(offset, end) });
    offset = end;
  }
  return entries;
}

export function singleMessageMetadata(
  init: MessageInitShape<typeof SingleMessageMetadataSchema>,
): SingleMessageMetadata {
  return create(SingleMessageMetadataSchema, init);
}
