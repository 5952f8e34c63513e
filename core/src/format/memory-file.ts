import type { FileInput, FileOutput } from '../api/format.js';

export interface MemoryFileInputOptions {
  readonly path?: string;
  /** Size of the chunks `stream` yields (default 64 KiB, like `fs.createReadStream`). */
  readonly chunkSize?: number;
}

/**
 * A {@link FileInput} over bytes in memory: for tests of file formats and for small inputs that are
 * already loaded. Small chunk sizes exercise records and characters split across chunks.
 */
export class MemoryFileInput implements FileInput {
  readonly path: string;
  readonly size: number;
  readonly compressed = false;
  private readonly bytes: Uint8Array;
  private readonly chunkSize: number;

  constructor(bytes: Uint8Array | string, options: MemoryFileInputOptions = {}) {
    this.bytes = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
    this.size = this.bytes.byteLength;
    this.path = options.path ?? 'memory';
    this.chunkSize = Math.max(1, options.chunkSize ?? 64 * 1024);
  }

  async *stream(offset: number): AsyncIterable<Uint8Array> {
    for (let at = Math.max(0, offset); at < this.size; at += this.chunkSize) {
      // Copies, as a file read would: readers must not rely on chunks aliasing each other.
      yield copyOf(this.bytes, at, Math.min(this.size, at + this.chunkSize));
    }
  }

  async read(start: number, end: number): Promise<Uint8Array> {
    return copyOf(this.bytes, Math.max(0, start), Math.min(this.size, end));
  }
}

/** A copy of `bytes[start, end)`; `Buffer#slice` would return a view. */
function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, start, end);
}

/** A {@link FileOutput} collecting bytes in memory (tests, small outputs). */
export class MemoryFileOutput implements FileOutput {
  private chunks: Uint8Array[] = [];
  private written = 0;

  get bytesWritten(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.chunks.push(chunk.slice());
    this.written += chunk.byteLength;
  }

  /** Everything written so far, as one array. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.written);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    this.chunks = [out];
    return out;
  }

  /** Everything written so far, decoded as UTF-8. */
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}
