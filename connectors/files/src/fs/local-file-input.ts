import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { type FileInput, isTributaryError, TributaryError } from '@tributary/core';
import { FilesErrorCodes } from '../files-error-codes.js';
import { type Compression, type CompressionSetting, compressionOf, decompress } from './compression.js';
import { ioError } from './fs-utils.js';

const CHUNK_BYTES = 256 * 1024;

export interface LocalFileInputOptions {
  /** Size of the file as listed; reads stop there, so bytes appended later are not half-read. Default: stat now. */
  readonly size?: number;
  /** Default `auto` (by extension). */
  readonly compression?: CompressionSetting;
  /** Size of the chunks `stream` yields (default 256 KiB). */
  readonly chunkBytes?: number;
}

/**
 * A {@link FileInput} over a local file. Uncompressed files stream from any offset and support
 * random `read`; compressed files (gzip, zstd) are decompressed on the fly, so offsets count
 * decompressed bytes and a stream from offset *n* decompresses and drops the first *n* bytes.
 */
export class LocalFileInput implements FileInput {
  readonly compressed: boolean;
  private readonly chunkBytes: number;

  private constructor(
    readonly path: string,
    readonly size: number,
    readonly compression: Compression,
    chunkBytes: number,
  ) {
    this.compressed = compression !== 'none';
    this.chunkBytes = chunkBytes;
  }

  /** Opens (stats) a file. */
  static async open(path: string, options: LocalFileInputOptions = {}): Promise<LocalFileInput> {
    let size = options.size;
    if (size === undefined) {
      try {
        size = (await stat(path)).size;
      } catch (error) {
        throw ioError('stat', path, error);
      }
    }
    return new LocalFileInput(
      path,
      size,
      compressionOf(path, options.compression),
      options.chunkBytes ?? CHUNK_BYTES,
    );
  }

  stream(offset: number): AsyncIterable<Uint8Array> {
    if (!this.compressed) return this.rawStream(Math.max(0, offset));
    return skipBytes(decompress(this.rawStream(0), this.compression as 'gzip' | 'zstd', this.path), offset);
  }

  async read(start: number, end: number): Promise<Uint8Array> {
    if (this.compressed) {
      throw new TributaryError(
        FilesErrorCodes.RANDOM_READ_COMPRESSED,
        `Random reads are not possible on compressed file ${this.path}; stream it instead`,
        { context: { file: this.path } },
      );
    }
    const from = Math.max(0, start);
    const to = Math.min(this.size, end);
    if (to <= from) return new Uint8Array(0);
    const buffer = new Uint8Array(to - from);
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    try {
      handle = await open(this.path, 'r');
      let filled = 0;
      while (filled < buffer.byteLength) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, from + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled < buffer.byteLength) throw shrunk(this.path, this.size, from + filled);
      return buffer;
    } catch (error) {
      if (isTributaryError(error)) throw error;
      throw ioError('read', this.path, error);
    } finally {
      await handle?.close();
    }
  }

  private async *rawStream(offset: number): AsyncIterable<Uint8Array> {
    if (offset >= this.size) return;
    const stream = createReadStream(this.path, {
      start: offset,
      end: this.size - 1,
      highWaterMark: this.chunkBytes,
    });
    let seen = offset;
    try {
      for await (const chunk of stream) {
        seen += (chunk as Buffer).byteLength;
        yield chunk as Buffer;
      }
    } catch (error) {
      throw ioError('read', this.path, error);
    } finally {
      stream.destroy();
    }
    if (seen < this.size) throw shrunk(this.path, this.size, seen);
  }
}

function shrunk(path: string, size: number, at: number): TributaryError {
  return new TributaryError(
    FilesErrorCodes.FILE_CHANGED,
    `File ${path} ended at byte ${at} but was listed with ${size} bytes; files must not change once they are visible`,
    { context: { file: path, listedSize: size, endedAt: at } },
  );
}

async function* skipBytes(input: AsyncIterable<Uint8Array>, skip: number): AsyncIterable<Uint8Array> {
  let left = Math.max(0, skip);
  for await (const chunk of input) {
    if (left >= chunk.byteLength) {
      left -= chunk.byteLength;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}
