import { describe, expect, it } from 'vitest';
import { CompressionType } from '../proto/PulsarApi_pb.js';
import { decodeBatch, encodeBatch, singleMessageMetadata } from './batch.js';
import {
  COMPRESSION_TYPES,
  compress,
  decompress,
  type PulsarCompression,
  prepareCompression,
} from './compression.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('batches', () => {
  it('round-trips messages with keys, properties and event times', () => {
    const raw = encodeBatch([
      { metadata: singleMessageMetadata({ partitionKey: 'a', eventTime: 5n }), payload: text('one') },
      {
        metadata: singleMessageMetadata({ properties: [{ key: 'p', value: 'v' }] }),
        payload: text(''),
      },
      { metadata: singleMessageMetadata({}), payload: text('three') },
    ]);
    const entries = decodeBatch(raw, 3);
    expect(entries.map((e) => new TextDecoder().decode(e.payload))).toEqual(['one', '', 'three']);
    expect(entries[0]?.metadata.partitionKey).toBe('a');
    expect(entries[0]?.metadata.eventTime).toBe(5n);
    expect(entries[1]?.metadata.properties[0]?.value).toBe('v');
    expect(entries.map((e) => e.metadata.payloadSize)).toEqual([3, 0, 5]);
  });

  it('fails clearly on a batch shorter than its declared count', () => {
    const raw = encodeBatch([{ metadata: singleMessageMetadata({}), payload: text('x') }]);
    expect(() => decodeBatch(raw, 2)).toThrow(/ends after 1 of 2/);
  });
});

describe('compression', () => {
  const input = text('pulsar '.repeat(500));
  it.each(['lz4', 'zlib', 'zstd', 'snappy'] as PulsarCompression[])(
    '%s round-trips and shrinks',
    async (codec) => {
      await prepareCompression(codec);
      const packed = compress(codec, input);
      expect(packed.length).toBeLessThan(input.length / 4);
      expect(
        Buffer.from(decompress(COMPRESSION_TYPES[codec], packed, input.length)).equals(Buffer.from(input)),
      ).toBe(true);
    },
  );

  it('passes NONE through', () => {
    expect(decompress(CompressionType.NONE, input, input.length)).toBe(input);
  });
});

describe('zlib as the Java client writes it', () => {
  it('inflates a stream that ends with a sync flush instead of a final block', async () => {
    const { constants, deflateSync } = await import('node:zlib');
    const input = new TextEncoder().encode('java '.repeat(100));
    const syncFlushed = deflateSync(input, { finishFlush: constants.Z_SYNC_FLUSH });
    expect(Buffer.from(decompress(CompressionType.ZLIB, syncFlushed, input.length)).toString()).toBe(
      'java '.repeat(100),
    );
  });
});
