import { CoreErrorCodes } from '../../errors/error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { VersionedSerializer } from '../../serialization/versioned-serializer.js';

/** One buffered entry with its size, so that a restored writer need not measure it again. */
export interface RequestEntryWrapper<RequestEntryT> {
  readonly entry: RequestEntryT;
  readonly sizeInBytes: number;
}

/**
 * The state of an {@link AsyncSinkWriter}: the entries it had accepted but not yet delivered
 * (unsent, awaiting retry, or in flight), in the order they must be sent. A writer restored from
 * several states (after a rescale) buffers them one after another.
 */
export interface BufferedRequestState<RequestEntryT> {
  readonly entries: readonly RequestEntryWrapper<RequestEntryT>[];
}

/** Sum of the entries' sizes. */
export function bufferedRequestStateSizeInBytes(state: BufferedRequestState<unknown>): number {
  let total = 0;
  for (const e of state.entries) total += e.sizeInBytes;
  return total;
}

const MAGIC = 0x41535331; // "ASS1": catches state handed to the wrong serializer.
const HEADER_BYTES = 12;

/**
 * The writer-state serializer of an async sink, built from the connector's serializer of one
 * request entry. Layout (big-endian): magic u32, entry-serializer version u32, count u32, then per
 * entry: size in bytes f64, length u32, entry bytes. The entry serializer's version is stored so
 * that a newer connector release can still read entries written by an older one.
 */
export function bufferedRequestStateSerializer<RequestEntryT>(
  entrySerializer: VersionedSerializer<RequestEntryT>,
): VersionedSerializer<BufferedRequestState<RequestEntryT>> {
  return {
    version: 1,
    serialize(state) {
      const parts = state.entries.map((e) => entrySerializer.serialize(e.entry));
      let length = HEADER_BYTES;
      for (const p of parts) length += 12 + p.byteLength;
      const bytes = new Uint8Array(length);
      const view = new DataView(bytes.buffer);
      view.setUint32(0, MAGIC);
      view.setUint32(4, entrySerializer.version);
      view.setUint32(8, parts.length);
      let at = HEADER_BYTES;
      parts.forEach((p, i) => {
        view.setFloat64(at, state.entries[i]?.sizeInBytes ?? 0);
        view.setUint32(at + 8, p.byteLength);
        bytes.set(p, at + 12);
        at += 12 + p.byteLength;
      });
      return bytes;
    },
    deserialize(version, bytes) {
      if (version !== 1) {
        throw new TributaryError(
          CoreErrorCodes.SERIALIZER_VERSION,
          `Cannot read BufferedRequestState serialized with version ${version}; this release reads version 1`,
          { context: { serializer: 'BufferedRequestState', version } },
        );
      }
      const corrupt = (at: number) =>
        new TributaryError(CoreErrorCodes.SERIALIZATION, 'Corrupt BufferedRequestState bytes', {
          context: { serializer: 'BufferedRequestState', version, offset: at },
        });
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (bytes.byteLength < HEADER_BYTES || view.getUint32(0) !== MAGIC) throw corrupt(0);
      const entryVersion = view.getUint32(4);
      const count = view.getUint32(8);
      const entries: RequestEntryWrapper<RequestEntryT>[] = [];
      let at = HEADER_BYTES;
      for (let i = 0; i < count; i++) {
        if (at + 12 > bytes.byteLength) throw corrupt(at);
        const sizeInBytes = view.getFloat64(at);
        const len = view.getUint32(at + 8);
        if (at + 12 + len > bytes.byteLength) throw corrupt(at);
        const entry = entrySerializer.deserialize(entryVersion, bytes.subarray(at + 12, at + 12 + len));
        entries.push({ entry, sizeInBytes });
        at += 12 + len;
      }
      if (at !== bytes.byteLength) throw corrupt(at);
      return { entries };
    },
  };
}
