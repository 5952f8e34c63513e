import type { FileInput, FileRegion } from '../api/format.js';
import { type LineBatch, LineSplitter } from './line-splitter.js';

/** Lines of a region cut from one input chunk. */
export interface LineRegionBatch extends LineBatch {
  /**
   * 1-based line number of `lines[0]`, known only when reading started at byte 0 of the file. A
   * reader that starts inside the file (a region, or a restored position) cannot know how many lines
   * precede it without reading them; error messages then name the byte offset instead.
   */
  readonly firstLineNumber: number | undefined;
  /** Bytes covered by these lines, terminators included (for `numBytesIn`). */
  readonly bytesRead: number;
}

export interface LineRegionReaderOptions {
  /** Remove the `\r` of CRLF line ends (default true). */
  readonly stripCarriageReturn?: boolean;
  /** Longest accepted line in bytes (default 64 MiB). */
  readonly maxLineBytes?: number;
}

const NEWLINE = 0x0a;

/**
 * Reads the lines of one {@link FileRegion}: exactly the lines that *start* in `[start, end)`.
 *
 * A region that does not begin at byte 0 starts at the first line beginning at or after `start`
 * (it reads from `start - 1` and drops everything up to the first `\n`, so a line starting exactly
 * at `start` is kept). The last line is read to its end even when it runs past `end`, and the next
 * region skips it, so reading all regions of a file yields every line exactly once. A restored
 * position always points at a line start and wins over `start`.
 *
 * Not re-entrant: call `next()` again only after the previous promise settled (the reader contract).
 */
export class LineRegionReader {
  private readonly input: FileInput;
  private readonly region: FileRegion;
  private readonly options: LineRegionReaderOptions;
  private iterator: AsyncIterator<Uint8Array> | undefined;
  private splitter: LineSplitter | undefined;
  private nextLineNumber: number | undefined;
  private done = false;
  private streamEnded = false;
  /** Lines completed while positioning at the region start, handed out by the next `next()`. */
  private carried: LineBatch | undefined;

  constructor(input: FileInput, region: FileRegion, options: LineRegionReaderOptions = {}) {
    this.input = input;
    this.region = region;
    this.options = options;
  }

  /** The next lines of the region (at least one), or null when the region is exhausted. */
  async next(): Promise<LineRegionBatch | null> {
    if (this.done) return null;
    if (this.splitter === undefined && !(await this.open())) return this.finishRegion();
    if (this.carried !== undefined) {
      const carried = this.carried;
      this.carried = undefined;
      const out = await this.clip(carried);
      if (out !== null) return out;
    }
    const splitter = this.splitter as LineSplitter;
    while (!this.done) {
      let batch: LineBatch | null;
      if (this.streamEnded) {
        batch = splitter.finish();
        if (batch === null) return this.finishRegion();
      } else {
        const step = await (this.iterator as AsyncIterator<Uint8Array>).next();
        if (step.done === true) {
          this.streamEnded = true;
          continue;
        }
        batch = splitter.push(step.value);
      }
      if (batch !== null) {
        const out = await this.clip(batch);
        if (out !== null) return out;
      }
    }
    return null;
  }

  /** Stops reading and releases the input stream. Idempotent. */
  async close(): Promise<void> {
    await this.finishRegion();
  }

  /** Positions the stream at the first line of the region; false when no line starts in it. */
  private async open(): Promise<boolean> {
    const restored = this.region.restoredPosition;
    const end = this.region.end;
    let lineStart = restored?.offset ?? this.region.start;
    if (end !== undefined && lineStart >= end) return false;
    const opts = { stripCarriageReturn: this.options.stripCarriageReturn ?? true, path: this.input.path };
    const maxLineBytes = this.options.maxLineBytes;
    if (restored !== undefined || lineStart === 0) {
      this.iterator = this.input.stream(lineStart)[Symbol.asyncIterator]();
      this.splitter = new LineSplitter({
        ...opts,
        startOffset: lineStart,
        ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
      });
      this.nextLineNumber = lineStart === 0 ? 1 : undefined;
      return true;
    }
    // Start at start - 1: if that byte is '\n', the line at `start` belongs to this region.
    const iterator = this.input.stream(lineStart - 1)[Symbol.asyncIterator]();
    this.iterator = iterator;
    let base = lineStart - 1;
    for (;;) {
      const step = await iterator.next();
      if (step.done === true) return false;
      const chunk = step.value;
      const at = indexOfNewline(chunk);
      if (at === -1) {
        base += chunk.byteLength;
        if (end !== undefined && base >= end) return false;
        continue;
      }
      lineStart = base + at + 1;
      if (end !== undefined && lineStart >= end) return false;
      this.splitter = new LineSplitter({
        ...opts,
        startOffset: lineStart,
        ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
      });
      this.nextLineNumber = undefined;
      if (at + 1 < chunk.byteLength) {
        const batch = this.splitter.push(chunk.subarray(at + 1));
        if (batch !== null) this.carried = batch;
      }
      return true;
    }
  }

  /** Drops lines starting at or after the region end; ends the region once it reached it. */
  private async clip(batch: LineBatch): Promise<LineRegionBatch | null> {
    let { lines, ends } = batch;
    const start = batch.start;
    const end = this.region.end;
    if (end !== undefined) {
      // Line i starts at ends[i - 1] (line 0 at `start`); keep the lines that start before `end`.
      let keep = 0;
      while (keep < lines.length && (keep === 0 ? start : (ends[keep - 1] as number)) < end) keep++;
      if (keep < lines.length) {
        lines = lines.slice(0, keep);
        ends = ends.slice(0, keep);
      }
      // The line after the last kept one starts at or after `end`: nothing more to read.
      if (keep === 0 || (ends[keep - 1] as number) >= end) await this.finishRegion();
    }
    if (lines.length === 0) return null;
    const firstLineNumber = this.nextLineNumber;
    if (firstLineNumber !== undefined) this.nextLineNumber = firstLineNumber + lines.length;
    const bytesRead = (ends[ends.length - 1] as number) - start;
    return { lines, ends, start, firstLineNumber, bytesRead };
  }

  private async finishRegion(): Promise<null> {
    this.done = true;
    const iterator = this.iterator;
    this.iterator = undefined;
    if (iterator?.return !== undefined && !this.streamEnded) {
      this.streamEnded = true;
      await iterator.return();
    }
    return null;
  }
}

function indexOfNewline(chunk: Uint8Array): number {
  return chunk.indexOf(NEWLINE);
}
