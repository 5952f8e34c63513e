import { Buffer } from 'node:buffer';
import { CoreErrorCodes } from '../errors/error-codes.js';
import { TributaryError } from '../errors/tributary-error.js';

/** Complete lines cut from one chunk of bytes, with the exact byte offset after each. */
export interface LineBatch {
  /** Decoded lines without their `\n` (and without a `\r` before it, unless told to keep it). */
  readonly lines: string[];
  /** Absolute byte offset where `lines[0]` starts. */
  readonly start: number;
  /** `ends[i]` is the absolute byte offset just past line `i` and its terminator: where line `i + 1` starts. */
  readonly ends: number[];
}

export interface LineSplitterOptions {
  /** Absolute byte offset of the first byte pushed (default 0). Offsets in batches are absolute. */
  readonly startOffset?: number;
  /** Remove a `\r` before `\n` (CRLF files). Default true; CSV keeps it because a quoted `\r` is data. */
  readonly stripCarriageReturn?: boolean;
  /** Longest line accepted, in bytes (default 64 MiB): a file without newlines must not fill memory. */
  readonly maxLineBytes?: number;
  /** File name for error messages. */
  readonly path?: string;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 13;
const BYTE_ORDER_MARK = 0xfeff;
const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * Cuts a byte stream into UTF-8 lines with exact byte positions, one chunk at a time.
 *
 * Each `push` decodes the chunk's complete lines with a single `TextDecoder.decode` call and returns
 * them as one batch (batch-shaped: no per-line promise, no per-line decode). Bytes after the last
 * `\n` wait for the next chunk, so a multi-byte character split across chunks is decoded whole. Byte
 * offsets come from scanning the bytes for `0x0A`, which never occurs inside a multi-byte UTF-8
 * sequence, so the i-th `\n` byte and the i-th `\n` character always belong to the same line.
 *
 * A byte order mark is removed from the first line when the stream starts at offset 0.
 */
export class LineSplitter {
  // ignoreBOM keeps U+FEFF in every decode: each call is a fresh stream for the decoder, and a
  // U+FEFF at the start of a later chunk is data. The file's own BOM is dropped by hand below.
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly stripCarriageReturn: boolean;
  private readonly maxLineBytes: number;
  private readonly path: string | undefined;
  /** Absolute offset of the first byte not yet returned as part of a line. */
  private offset: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private atFileStart: boolean;

  constructor(options: LineSplitterOptions = {}) {
    this.offset = options.startOffset ?? 0;
    this.atFileStart = this.offset === 0;
    this.stripCarriageReturn = options.stripCarriageReturn ?? true;
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.path = options.path;
  }

  /** Absolute offset of the first byte that is not part of a returned line yet. */
  get position(): number {
    return this.offset;
  }

  /** Feeds one chunk; returns the lines it completed, or null when it completed none. */
  push(chunk: Uint8Array): LineBatch | null {
    // Buffer#indexOf is a native memchr; Uint8Array#indexOf is markedly slower.
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const last = buf.lastIndexOf(NEWLINE);
    if (last === -1) {
      this.stash(buf);
      return null;
    }
    const head = buf.subarray(0, last + 1);
    const bytes = this.pendingBytes === 0 ? head : Buffer.concat([...this.pending, head]);
    this.pending = [];
    this.pendingBytes = 0;
    const batch = this.cut(bytes);
    if (last + 1 < buf.length) this.stash(buf.subarray(last + 1));
    return batch;
  }

  /** Ends the stream: returns the last line when it has no terminating `\n`, else null. */
  finish(): LineBatch | null {
    if (this.pendingBytes === 0) return null;
    const bytes = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    let line = this.decoder.decode(bytes);
    if (this.stripCarriageReturn && line.charCodeAt(line.length - 1) === CARRIAGE_RETURN) {
      line = line.slice(0, -1);
    }
    const start = this.offset;
    this.offset += bytes.length;
    return { lines: [this.dropBom(line)], start, ends: [this.offset] };
  }

  private cut(bytes: Buffer): LineBatch {
    const text = this.decoder.decode(bytes);
    const start = this.offset;
    const lines: string[] = [];
    const ends: number[] = [];
    const strip = this.stripCarriageReturn;
    let byteFrom = 0;
    let charFrom = 0;
    // `bytes` ends with '\n', so both scans find exactly as many terminators.
    for (;;) {
      const byteAt = bytes.indexOf(NEWLINE, byteFrom);
      if (byteAt === -1) break;
      const charAt = text.indexOf('\n', charFrom);
      const lineEnd =
        strip && charAt > charFrom && text.charCodeAt(charAt - 1) === CARRIAGE_RETURN ? charAt - 1 : charAt;
      lines.push(text.slice(charFrom, lineEnd));
      ends.push(start + byteAt + 1);
      byteFrom = byteAt + 1;
      charFrom = charAt + 1;
    }
    this.offset = start + bytes.length;
    if (this.atFileStart && lines.length > 0) lines[0] = this.dropBom(lines[0] as string);
    return { lines, start, ends };
  }

  private dropBom(line: string): string {
    if (!this.atFileStart) return line;
    this.atFileStart = false;
    return line.charCodeAt(0) === BYTE_ORDER_MARK ? line.slice(1) : line;
  }

  private stash(bytes: Buffer): void {
    this.pendingBytes += bytes.length;
    if (this.pendingBytes > this.maxLineBytes) {
      throw new TributaryError(
        CoreErrorCodes.RECORD_INVALID,
        `Line longer than ${this.maxLineBytes} bytes (at byte offset ${this.offset}${this.path === undefined ? '' : ` of '${this.path}'`}); raise maxLineBytes if the file really has such lines`,
        { context: { file: this.path, byteOffset: this.offset, maxLineBytes: this.maxLineBytes } },
      );
    }
    // Copy: the remainder is at most one line, and the caller may reuse its chunk buffer.
    this.pending.push(Buffer.from(bytes));
  }
}
