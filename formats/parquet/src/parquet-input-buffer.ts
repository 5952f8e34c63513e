import type { FileInput } from '@tributary/core';
import type { AsyncBuffer } from 'hyparquet';

/**
 * The reader library's random-access view of a {@link FileInput}. `prefetch(start, end)` reads one
 * byte range (a whole row group) in a single request and serves the library's many small column
 * slices from it; slices outside go to `input.read`. A compressed input has no random access: it is
 * streamed into memory once.
 */
export class ParquetInputBuffer implements AsyncBuffer {
  readonly byteLength: number;
  private readonly input: FileInput;
  private whole: Uint8Array | undefined;
  private cached: { start: number; bytes: Uint8Array } | undefined;

  private constructor(input: FileInput, byteLength: number, whole: Uint8Array | undefined) {
    this.input = input;
    this.byteLength = byteLength;
    this.whole = whole;
  }

  static async open(input: FileInput): Promise<ParquetInputBuffer> {
    if (!input.compressed) return new ParquetInputBuffer(input, input.size, undefined);
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of input.stream(0)) {
      chunks.push(chunk);
      length += chunk.byteLength;
    }
    const whole = new Uint8Array(length);
    let at = 0;
    for (const chunk of chunks) {
      whole.set(chunk, at);
      at += chunk.byteLength;
    }
    return new ParquetInputBuffer(input, length, whole);
  }

  /** Reads `[start, end)` in one request; later slices inside it come from memory. */
  async prefetch(start: number, end: number): Promise<number> {
    if (this.whole !== undefined) return 0;
    const bytes = await this.input.read(start, end);
    this.cached = { start, bytes };
    return bytes.byteLength;
  }

  async slice(start: number, end?: number): Promise<ArrayBuffer> {
    const stop = end ?? this.byteLength;
    const source = this.whole ?? this.cachedRange(start, stop);
    if (source !== undefined) {
      const base = this.whole === undefined ? (this.cached as { start: number }).start : 0;
      return toArrayBuffer(source.subarray(start - base, stop - base));
    }
    return toArrayBuffer(await this.input.read(start, stop));
  }

  private cachedRange(start: number, end: number): Uint8Array | undefined {
    const c = this.cached;
    return c !== undefined && start >= c.start && end <= c.start + c.bytes.byteLength ? c.bytes : undefined;
  }
}

/** An ArrayBuffer holding exactly `bytes` (zero-copy when the view spans its whole buffer). */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  ) {
    return bytes.buffer;
  }
  // Not bytes.slice(): on a Node Buffer (what file reads return) slice is a view, whose .buffer is
  // the whole shared pool, so the file's bytes would be read from the wrong offset.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}
