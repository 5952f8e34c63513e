/// <reference path="./untyped-codecs.d.ts" />
// (The reference lets packages that compile these sources, e.g. the connector, see the codec types.)
import { constants, deflateSync, inflateSync } from 'node:zlib';
import { lz4CompressBlock, lz4DecompressBlock } from '@tributary/core';
import { decompress as zstdDecompress } from 'fzstd';
import * as snappy from 'snappyjs';
import { CompressionType } from '../proto/PulsarApi_pb.js';

/**
 * Payload codecs as Pulsar's Java client writes them, all without native code: LZ4 as one raw
 * block (the uncompressed size travels in the metadata), ZLIB as a zlib stream, ZSTD as a zstd
 * frame (`fzstd` reads, `@bokuweb/zstd-wasm` writes), Snappy as one raw block (`snappyjs`).
 */
export type PulsarCompression = 'none' | 'lz4' | 'zlib' | 'zstd' | 'snappy';

export const COMPRESSION_TYPES: Readonly<Record<PulsarCompression, CompressionType>> = {
  none: CompressionType.NONE,
  lz4: CompressionType.LZ4,
  zlib: CompressionType.ZLIB,
  zstd: CompressionType.ZSTD,
  snappy: CompressionType.SNAPPY,
};

type ZstdWasm = typeof import('@bokuweb/zstd-wasm');
let zstdWasm: Promise<ZstdWasm> | undefined;
function loadZstdWasm(): Promise<ZstdWasm> {
  zstdWasm ??= import('@bokuweb/zstd-wasm').then(async (module) => {
    await module.init();
    return module;
  });
  return zstdWasm;
}

const ZSTD_LEVEL = 3;

/** Loads what a codec needs before the first (synchronous) call; only zstd has anything to load. */
export async function prepareCompression(codec: PulsarCompression): Promise<void> {
  if (codec === 'zstd') zstdLoaded = await loadZstdWasm();
}

let zstdLoaded: ZstdWasm | undefined;

export function compress(codec: PulsarCompression, input: Uint8Array): Uint8Array {
  switch (codec) {
    case 'none':
      return input;
    case 'lz4':
      return lz4CompressBlock(input);
    case 'zlib':
      return deflateSync(input);
    case 'snappy':
      return snappy.compress(input);
    case 'zstd': {
      if (zstdLoaded === undefined) throw new Error('zstd: call prepareCompression("zstd") first');
      return zstdLoaded.compress(input, ZSTD_LEVEL);
    }
  }
}

/** Decompresses a payload of the given wire codec; `uncompressedSize` comes from the metadata. */
export function decompress(type: CompressionType, input: Uint8Array, uncompressedSize: number): Uint8Array {
  switch (type) {
    case CompressionType.NONE:
      return input;
    case CompressionType.LZ4:
      return lz4DecompressBlock(input, uncompressedSize);
    case CompressionType.ZLIB:
      // The Java client ends its zlib stream with a sync flush, not a final block.
      return inflateSync(input, { finishFlush: constants.Z_SYNC_FLUSH });
    case CompressionType.ZSTD:
      return zstdDecompress(input, new Uint8Array(uncompressedSize));
    case CompressionType.SNAPPY:
      return snappy.uncompress(input);
    default:
      throw new Error(`unknown compression type ${type as number}`);
  }
}
