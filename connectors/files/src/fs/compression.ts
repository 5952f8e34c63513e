import { Readable, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { isTributaryError, TributaryError, toError } from '@tributary/core';
import { Decompress } from 'fzstd';
import { FilesErrorCodes } from '../files-error-codes.js';

/** Compression codecs recognised by file extension. */
export type Compression = 'none' | 'gzip' | 'zstd';

/** How a source decides a file's compression: by extension (`auto`) or fixed. */
export type CompressionSetting = 'auto' | Compression;

const BY_EXTENSION: readonly (readonly [string, Compression])[] = [
  ['.gz', 'gzip'],
  ['.gzip', 'gzip'],
  ['.zst', 'zstd'],
  ['.zstd', 'zstd'],
];

/** The codec of a path: `.gz`/`.gzip` → gzip, `.zst`/`.zstd` → zstd, anything else → none. */
export function compressionOf(path: string, setting: CompressionSetting = 'auto'): Compression {
  if (setting !== 'auto') return setting;
  const lower = path.toLowerCase();
  for (const [ext, codec] of BY_EXTENSION) if (lower.endsWith(ext)) return codec;
  return 'none';
}

type ZstdFactory = () => Transform;
// Node ≥ 22.15 ships a native zstd decoder; older Nodes use the pure-JS fzstd.
const nativeZstd = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;

/** Decompresses a byte stream. Errors are `TRIB_FILES_DECOMPRESSION_FAILED` naming the file. */
export async function* decompress(
  input: AsyncIterable<Uint8Array>,
  codec: Exclude<Compression, 'none'>,
  path: string,
): AsyncIterable<Uint8Array> {
  try {
    if (codec === 'gzip') yield* viaTransform(input, zlib.createGunzip());
    else if (nativeZstd) yield* viaTransform(input, nativeZstd());
    else yield* viaFzstd(input);
  } catch (cause) {
    if (isTributaryError(cause)) throw cause;
    throw new TributaryError(
      FilesErrorCodes.DECOMPRESSION_FAILED,
      `Cannot decompress ${codec} file ${path}: ${toError(cause).message}`,
      { cause, context: { file: path, codec } },
    );
  }
}

async function* viaTransform(
  input: AsyncIterable<Uint8Array>,
  transform: Transform,
): AsyncIterable<Uint8Array> {
  const source = Readable.from(input);
  source.on('error', (error) => transform.destroy(error));
  source.pipe(transform);
  try {
    for await (const chunk of transform) yield chunk as Uint8Array;
  } finally {
    // Stopping early (a region ended) must release the file handle too.
    source.destroy();
    transform.destroy();
  }
}

async function* viaFzstd(input: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const out: Uint8Array[] = [];
  const decoder = new Decompress((data) => {
    out.push(data);
  });
  for await (const chunk of input) {
    decoder.push(chunk);
    for (const data of out.splice(0)) yield data;
  }
  decoder.push(new Uint8Array(0), true);
  for (const data of out.splice(0)) yield data;
}
