import { CoreErrorCodes, TributaryError, type VersionedSerializer } from '@tributary/core';

/** One PutRecords entry as the sink buffers (and checkpoints) it. */
export interface KinesisPutEntry {
  readonly data: Uint8Array;
  readonly partitionKey: string;
  /** Decimal 128-bit hash key that picks the shard instead of the partition key's MD5. */
  readonly explicitHashKey?: string;
}

/** The size Kinesis counts against its 1 MiB record and 5 MiB request limits: data + partition key. */
export function putEntrySize(entry: KinesisPutEntry): number {
  return entry.data.byteLength + Buffer.byteLength(entry.partitionKey);
}

interface StoredEntry {
  readonly d: string;
  readonly k: string;
  readonly h?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Checkpoint serializer of buffered entries (JSON with base64 data, version 1). */
export const kinesisPutEntrySerializer: VersionedSerializer<KinesisPutEntry> = {
  version: 1,
  serialize(entry) {
    const stored: StoredEntry = {
      d: Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength).toString('base64'),
      k: entry.partitionKey,
      ...(entry.explicitHashKey === undefined ? {} : { h: entry.explicitHashKey }),
    };
    return encoder.encode(JSON.stringify(stored));
  },
  deserialize(version, bytes) {
    if (version !== 1) {
      throw new TributaryError(
        CoreErrorCodes.SERIALIZER_VERSION,
        `KinesisPutEntry version ${version} is unknown (this build reads 1)`,
        {
          context: { version },
        },
      );
    }
    const stored = JSON.parse(decoder.decode(bytes)) as StoredEntry;
    return {
      data: new Uint8Array(Buffer.from(stored.d, 'base64')),
      partitionKey: stored.k,
      ...(stored.h === undefined ? {} : { explicitHashKey: stored.h }),
    };
  },
};
