import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import type { CompressionCodec, Compressors } from 'hyparquet';
import { lz4CompressBlock, lz4DecompressBlock, lz4DecompressHadoop } from './lz4-block.js';
import { snappyCompressBlock } from './snappy-block.js';

/**
 * Page codecs beyond what hyparquet and hyparquet-writer do themselves (snappy, uncompressed),
 * without native code: gzip and brotli from node:zlib, zstd with `fzstd` (read) and
 * `@bokuweb/zstd-wasm` (write; Node 20's zlib has no zstd), LZ4 with core's block codec and
 * `lz4-block.ts` (Hadoop framing). Snappy pages are written by `snappy-block.ts` rather than
 * hyparquet-writer's compressor, which allocates far more per page.
 */
export const PARQUET_DECOMPRESSORS: Compressors = {
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
  ZSTD: (input) => zstdDecompress(input),
  LZ4_RAW: (input, outputLength) => lz4DecompressBlock(input, outputLength),
  LZ4: (input, outputLength) => lz4DecompressHadoop(input, outputLength),
};

/** Writer codec names (the `compression` option) → Parquet codecs. */
export const PARQUET_WRITER_CODECS = {
  snappy: 'SNAPPY',
  gzip: 'GZIP',
  zstd: 'ZSTD',
  lz4: 'LZ4_RAW',
  brotli: 'BROTLI',
  uncompressed: 'UNCOMPRESSED',
} as const satisfies Record<string, CompressionCodec>;

export type ParquetWriterCompression = keyof typeof PARQUET_WRITER_CODECS;

const ZSTD_LEVEL = 3;
let zstdWasm: Promise<typeof import('@bokuweb/zstd-wasm')> | undefined;

/** What hyparquet-writer takes as `compressors`: one page in, its compressed bytes out. */
export type ParquetWriterCompressors = Partial<Record<CompressionCodec, (input: Uint8Array) => Uint8Array>>;

/** The compressors hyparquet-writer needs for `compression` (the zstd WebAssembly loads once). */
export async function parquetCompressors(
  compression: ParquetWriterCompression,
): Promise<ParquetWriterCompressors> {
  if (compression === 'gzip') return { GZIP: (input) => gzipSync(input) };
  if (compression === 'lz4') return { LZ4_RAW: lz4CompressBlock };
  if (compression === 'brotli') return { BROTLI: brotliPage };
  if (compression === 'snappy') return { SNAPPY: snappyCompressBlock };
  if (compression !== 'zstd') return {};
  zstdWasm ??= import('@bokuweb/zstd-wasm').then(async (module) => {
    await module.init();
    return module;
  });
  const zstd = await zstdWasm;
  return { ZSTD: (input) => zstd.compress(input, ZSTD_LEVEL) };
}

/** Brotli at a middle quality: the default (11) is several times slower for a few percent. */
function brotliPage(input: Uint8Array): Uint8Array {
  return brotliCompressSync(input, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
}
