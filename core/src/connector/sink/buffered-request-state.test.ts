import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../errors/tributary-error.js';
import { jsonSerializer } from '../../serialization/versioned-serializer.js';
import {
  type BufferedRequestState,
  bufferedRequestStateSerializer,
  bufferedRequestStateSizeInBytes,
} from './buffered-request-state.js';

interface Entry {
  readonly id: string;
  readonly data: number[];
}

const state: BufferedRequestState<Entry> = {
  entries: [
    { entry: { id: 'a', data: [1, 2] }, sizeInBytes: 12 },
    { entry: { id: 'é✓', data: [] }, sizeInBytes: 3.5 },
    { entry: { id: 'c', data: [3] }, sizeInBytes: 0 },
  ],
};

describe('bufferedRequestStateSerializer', () => {
  it('round-trips entries in order with their sizes', () => {
    const serializer = bufferedRequestStateSerializer(
      jsonSerializer<Entry>({ version: 3, readableVersions: [3] }),
    );
    const bytes = serializer.serialize(state);
    expect(serializer.deserialize(serializer.version, bytes)).toEqual(state);
    expect(bufferedRequestStateSizeInBytes(state)).toBe(15.5);
  });

  it('round-trips an empty state and reads bytes at a non-zero offset', () => {
    const serializer = bufferedRequestStateSerializer(jsonSerializer<Entry>());
    expect(serializer.deserialize(1, serializer.serialize({ entries: [] }))).toEqual({ entries: [] });
    const bytes = serializer.serialize(state);
    const shifted = new Uint8Array(bytes.byteLength + 7);
    shifted.set(bytes, 7);
    expect(serializer.deserialize(1, shifted.subarray(7))).toEqual(state);
  });

  it('hands the stored entry-serializer version to the entry serializer', () => {
    const old = bufferedRequestStateSerializer(jsonSerializer<Entry>({ version: 1 }));
    const bytes = old.serialize(state);
    const seen: number[] = [];
    const newer = bufferedRequestStateSerializer<Entry>({
      version: 2,
      serialize: () => new Uint8Array(),
      deserialize: (version, b) => {
        seen.push(version);
        return JSON.parse(new TextDecoder().decode(b)) as Entry;
      },
    });
    expect(newer.deserialize(1, bytes)).toEqual(state);
    expect(seen).toEqual([1, 1, 1]);
  });

  it('fails with typed errors on an unknown version or corrupt bytes', () => {
    const serializer = bufferedRequestStateSerializer(jsonSerializer<Entry>());
    const bytes = serializer.serialize(state);
    const attempt = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(
      hasErrorCode(
        attempt(() => serializer.deserialize(2, bytes)),
        'TRIB_SERIALIZER_VERSION',
      ),
    ).toBe(true);
    expect(
      hasErrorCode(
        attempt(() => serializer.deserialize(1, bytes.subarray(0, 20))),
        'TRIB_SERIALIZATION',
      ),
    ).toBe(true);
    expect(
      hasErrorCode(
        attempt(() => serializer.deserialize(1, new Uint8Array(12))),
        'TRIB_SERIALIZATION',
      ),
    ).toBe(true);
  });
});
