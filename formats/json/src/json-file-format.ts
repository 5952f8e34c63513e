import {
  type FileFormat,
  type FileInput,
  type FileRecordReader,
  type FileRegion,
  LineRecordReaderBase,
  type LineRegionBatch,
  type RecordBatchBuilder,
} from '@tributary/core';
import {
  type JsonFormatConfig,
  JsonFormatOptions,
  type ResolvedJsonFormatOptions,
} from './json-format-options.js';
import { INVALID, JsonRecordParser } from './json-record-parser.js';

/**
 * Reads JSON Lines files: one JSON document per line, blank lines ignored, CRLF accepted.
 *
 * Splittable: a region starts at the first line that starts inside it, so regions read in parallel
 * together yield every line exactly once. The position after each record is the byte offset after its
 * line (`recordsToSkip: 0`), so reopening there continues with exactly the next record.
 */
export class JsonFileFormat<T = unknown> implements FileFormat<T> {
  readonly name = 'json';
  readonly splittable = true;
  private readonly options: ResolvedJsonFormatOptions;

  constructor(options: JsonFormatConfig = {}) {
    this.options = JsonFormatOptions.parse(options);
  }

  createReader(input: FileInput, region: FileRegion): FileRecordReader<T> {
    return new JsonLinesRecordReader<T>(input, region, this.options);
  }
}

/** The reader behind {@link JsonFileFormat}. */
class JsonLinesRecordReader<T> extends LineRecordReaderBase<T> {
  private readonly parser: JsonRecordParser;

  constructor(input: FileInput, region: FileRegion, options: ResolvedJsonFormatOptions) {
    super(input, region, { maxLineBytes: options.maxLineBytes });
    this.parser = new JsonRecordParser(options);
  }

  protected parseLines(batch: LineRegionBatch, out: RecordBatchBuilder<T>): void {
    const { lines, ends, firstLineNumber } = batch;
    const { records, endOffsets, lineNumbers } = out;
    const parser = this.parser;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (line.length === 0) continue;
      const value = parser.parse(line);
      if (value === INVALID) {
        if (line.trim().length === 0) continue;
        const start = i === 0 ? batch.start : (ends[i - 1] as number);
        const lineNumber = firstLineNumber === undefined ? undefined : firstLineNumber + i;
        this.rejectRecord(
          parser.errors,
          () => parser.error(line, { file: this.input.path, line: lineNumber, offset: start }),
          () => ({ start, end: ends[i] as number, line: lineNumber, raw: line }),
          out,
        );
        continue;
      }
      records.push(value as T);
      endOffsets.push(ends[i] as number);
      if (lineNumbers !== undefined) lineNumbers.push((firstLineNumber as number) + i);
    }
  }
}
