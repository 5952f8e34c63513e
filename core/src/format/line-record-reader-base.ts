import type { FileInput, FileReadBatch, FileRecordReader, FileRegion } from '../api/format.js';
import type { TributaryError } from '../errors/tributary-error.js';
import { fileDeadLetter, isFileDeadLetter } from './file-dead-letter.js';
import {
  type LineRegionBatch,
  LineRegionReader,
  type LineRegionReaderOptions,
} from './line-region-reader.js';
import type { RecordErrorsMode } from './record-errors.js';

/** Output a line parser fills for one batch. */
export interface RecordBatchBuilder<T> {
  readonly records: T[];
  /**
   * One per record: the byte offset right after its last line, where reading resumes (numbers, not
   * position objects: a batch's `endOffsets`).
   */
  readonly endOffsets: number[];
  /** One per record when line numbers are known (the reader started at byte 0), else undefined. */
  readonly lineNumbers: number[] | undefined;
  /** Records dropped because they failed to parse (`errors: 'skip-and-count'`). */
  skippedErrors: number;
  /** Dead letters pushed to `records` (`errors: 'dead-letter'`). */
  deadLetters: number;
}

/** A record a line format could not parse: where it is and its text. */
export interface RejectedLineRecord {
  /** Byte offset of its first line. */
  readonly start: number;
  /** Byte offset after its last line: where to resume after it. */
  readonly end: number;
  /** Line number of its first line, when known. */
  readonly line: number | undefined;
  /** Its text (all lines, without the final line break). */
  readonly raw: string;
}

/**
 * Template for line-based {@link FileRecordReader}s (JSON Lines, CSV, plain text). The base reads the
 * region's lines through {@link LineRegionReader}, applies a restored `recordsToSkip`, and assembles
 * `FileReadBatch`es; a format only turns a batch of lines into records in {@link parseLines}.
 *
 * One `readBatch` returns the records of one input chunk (hundreds to thousands of records), so the
 * per-record path has no promise and no extra copy.
 */
export abstract class LineRecordReaderBase<T> implements FileRecordReader<T> {
  protected readonly input: FileInput;
  protected readonly region: FileRegion;
  private readonly lines: LineRegionReader;
  private toSkip: number;
  private prepared = false;
  private ended = false;

  constructor(input: FileInput, region: FileRegion, options: LineRegionReaderOptions = {}) {
    this.input = input;
    this.region = region;
    this.lines = new LineRegionReader(input, region, options);
    this.toSkip = region.restoredPosition?.recordsToSkip ?? 0;
  }

  /** Runs once before the first batch (CSV reads its header here). */
  protected async prepare(): Promise<void> {}

  /**
   * Turns one batch of lines into records, appending to `out`; a bad record goes through
   * {@link rejectRecord}.
   */
  protected abstract parseLines(batch: LineRegionBatch, out: RecordBatchBuilder<T>): void;

  /** Called once when the region has no more lines: emit or reject a record still being assembled. */
  protected endOfInput(_out: RecordBatchBuilder<T>): void {}

  /**
   * Handles a record that failed to parse, by the format's `errors` mode: `fail` throws the error;
   * `skip-and-count` counts it; `dead-letter` puts a `FileDeadLetter` in its place, with the
   * position after it (so a restore never reads it twice). The error is built only when used:
   * skipping many bad records should not cost a stack trace each.
   */
  protected rejectRecord(
    mode: RecordErrorsMode,
    error: () => TributaryError,
    record: () => RejectedLineRecord,
    out: RecordBatchBuilder<T>,
  ): void {
    if (mode === 'skip-and-count') {
      out.skippedErrors++;
      return;
    }
    if (mode === 'fail') throw error();
    const rejected = record();
    const where = { file: this.input.path, offset: rejected.start, line: rejected.line };
    // The caller typed the format as `T | FileDeadLetter` when it chose this mode.
    out.records.push(fileDeadLetter(error(), where, rejected.raw) as T);
    out.endOffsets.push(rejected.end);
    out.lineNumbers?.push(rejected.line as number);
    out.deadLetters++;
  }

  async readBatch(): Promise<FileReadBatch<T> | null> {
    if (this.ended) return null;
    if (!this.prepared) {
      this.prepared = true;
      await this.prepare();
    }
    let bytesRead = 0;
    for (;;) {
      const batch = await this.lines.next();
      const out: RecordBatchBuilder<T> = {
        records: [],
        endOffsets: [],
        lineNumbers: batch?.firstLineNumber === undefined ? undefined : [],
        skippedErrors: 0,
        deadLetters: 0,
      };
      if (batch === null) {
        this.ended = true;
        this.endOfInput(out);
      } else {
        bytesRead += batch.bytesRead;
        this.parseLines(batch, out);
      }
      if (this.toSkip > 0 && out.records.length > 0) this.skipRestored(out);
      if (out.records.length > 0 || out.skippedErrors > 0 || (this.ended && bytesRead > 0)) {
        return {
          records: out.records,
          endOffsets: out.endOffsets,
          bytesRead,
          ...(out.lineNumbers === undefined ? {} : { lineNumbers: out.lineNumbers }),
          ...(out.skippedErrors > 0 ? { skippedErrors: out.skippedErrors } : {}),
          ...(out.deadLetters > 0 ? { deadLetters: out.deadLetters } : {}),
        };
      }
      if (this.ended) return null;
    }
  }

  async close(): Promise<void> {
    this.ended = true;
    await this.lines.close();
  }

  /** Drops the records a restored position says were already emitted. */
  private skipRestored(out: RecordBatchBuilder<T>): void {
    const n = Math.min(this.toSkip, out.records.length);
    this.toSkip -= n;
    for (let i = 0; i < n; i++) {
      const record = out.records[i];
      if (isFileDeadLetter(record)) out.deadLetters -= record.records ?? 1;
    }
    out.records.splice(0, n);
    out.endOffsets.splice(0, n);
    out.lineNumbers?.splice(0, n);
  }
}
