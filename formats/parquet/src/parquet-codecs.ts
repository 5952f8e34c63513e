import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import type { CompressionCodec, Compressors } from 'hyparquet';

/**
 * Page codecs beyond what hyparquet and hyparquet-writer do themselves (snappy, uncompressed),
 * without native code: gzip and brotli from node:zlib, zstd with `fzstd` (read) and
 * `@bokuweb/zstd-wasm` (write; Node 20's zlib has no zstd).
 */
export const PARQUET_DECOMPRESSORS: Compressors = {
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
  ZSTD: (input) => zstdDecompress(input),
};

/** Writer codec names (the `compression` option) → Parquet codecs. */
export const PARQUET_WRITER_CODECS = {
  snappy: 'SNAPPY',
  gzip: 'GZIP',
  zstd: 'ZSTD',
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
  if (compression !== 'zstd') return {};
  zstdWasm ??= import('@bokuweb/zstd-wasm').then(async (module) => {
    await module.init();
    return module;
  });
  const zstd = await zstdWasm;
  return { ZSTD: (input) => zstd.compress(input, ZSTD_LEVEL) };
}
