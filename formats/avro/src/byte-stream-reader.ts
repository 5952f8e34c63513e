import { Buffer } from 'node:buffer';

/**
 * Pulls bytes from a file stream on demand, for binary container formats: `ensure(n)` waits until
 * `n` bytes are buffered (fewer at the end of the file), `take(n)` consumes them. Chunks are joined
 * only when a read spans them, so a block inside one chunk is a view, not a copy.
 */
export class ByteStreamReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private ended = false;
  /** Absolute offset of the next unread byte. */
  offset: number;

  constructor(stream: AsyncIterable<Uint8Array>, startOffset: number) {
    this.iterator = stream[Symbol.asyncIterator]();
    this.offset = startOffset;
  }

  /** Buffered bytes not yet consumed. */
  get available(): number {
    return this.buf.length - this.pos;
  }

  /** Buffers at least `n` bytes if the stream has them; returns how many are available. */
  async ensure(n: number): Promise<number> {
    if (this.available >= n || this.ended) return this.available;
    // Collect chunks first and join once: joining per chunk would copy a large block many times.
    const parts: Buffer[] = this.available > 0 ? [this.buf.subarray(this.pos)] : [];
    let have = this.available;
    while (have < n) {
      const step = await this.iterator.next();
      if (step.done === true) {
        this.ended = true;
        break;
      }
      parts.push(Buffer.from(step.value.buffer, step.value.byteOffset, step.value.byteLength));
      have += step.value.byteLength;
    }
    this.buf = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, have);
    this.pos = 0;
    return have;
  }

  /** The buffered bytes, starting at the next unread one (do not keep beyond the next `ensure`). */
  peek(): Buffer {
    return this.buf.subarray(this.pos);
  }

  /** Consumes `n` buffered bytes and returns them (a view). */
  take(n: number): Buffer {
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.offset += n;
    return out;
  }

  /** Stops the underlying stream. */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }
}

/** Reads a zig-zag varint long at `buf[at]`; `[value, bytesUsed]`, or undefined when truncated. */
export function readVarLong(buf: Uint8Array, at: number): [number, number] | undefined {
  let result = 0;
  let shift = 1;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const b = buf[i] as number;
    // Multiplication instead of shifts: Avro longs exceed 32 bits.
    result += (b & 0x7f) * shift;
    shift *= 128;
    if ((b & 0x80) === 0) {
      const value = result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      return [value, i - at + 1];
    }
  }
  return undefined;
}

/** Appends a zig-zag varint long to `out`. */
export function writeVarLong(value: number, out: number[]): void {
  let n = value >= 0 ? value * 2 : -value * 2 - 1;
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}
