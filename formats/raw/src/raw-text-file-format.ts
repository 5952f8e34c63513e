import {
  type FileFormat,
  type FileInput,
  type FileOutput,
  type FileRecordReader,
  type FileRecordWriter,
  type FileRegion,
  type FileWriterFormat,
  LineRecordReaderBase,
  type LineRegionBatch,
  type RecordBatchBuilder,
  recordInvalidError,
  TextOutputBuffer,
} from '@tributary/core';
import {
  type RawFormatConfig,
  RawFormatOptions,
  type ResolvedRawFormatOptions,
} from './raw-format-options.js';

/**
 * Reads plain-text files line by line: each record is one line as a string, without its `\n` (and
 * without the `\r` of CRLF unless `keepCarriageReturn`). Splittable; the position after each record
 * is the byte offset after its line.
 */
export class RawTextFileFormat implements FileFormat<string> {
  readonly name = 'raw';
  readonly splittable = true;
  private readonly options: ResolvedRawFormatOptions;

  constructor(options: RawFormatConfig = {}) {
    this.options = RawFormatOptions.parse(options);
  }

  createReader(input: FileInput, region: FileRegion): FileRecordReader<string> {
    return new RawTextRecordReader(input, region, this.options);
  }
}

class RawTextRecordReader extends LineRecordReaderBase<string> {
  private readonly skipEmptyLines: boolean;

  constructor(input: FileInput, region: FileRegion, options: ResolvedRawFormatOptions) {
    super(input, region, {
      stripCarriageReturn: !options.keepCarriageReturn,
      maxLineBytes: options.maxLineBytes,
    });
    this.skipEmptyLines = options.skipEmptyLines;
  }

  protected parseLines(batch: LineRegionBatch, out: RecordBatchBuilder<string>): void {
    const { lines, ends, firstLineNumber } = batch;
    if (!this.skipEmptyLines) {
      // Every line is a record: hand the line array over as it is.
      out.records.push(...lines);
      for (let i = 0; i < ends.length; i++) out.endOffsets.push(ends[i] as number);
      if (out.lineNumbers !== undefined) {
        for (let i = 0; i < lines.length; i++) out.lineNumbers.push((firstLineNumber as number) + i);
      }
      return;
    }
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (line.length === 0) continue;
      out.records.push(line);
      out.endOffsets.push(ends[i] as number);
      out.lineNumbers?.push((firstLineNumber as number) + i);
    }
  }
}

/**
 * Writes strings as lines of a text part file (`.txt`). A row format. A record containing `\n`, or
 * ending in `\r`, would not read back as one line and is rejected with `TRIB_RECORD_INVALID`.
 */
export class RawTextWriterFormat implements FileWriterFormat<string> {
  readonly name = 'raw';
  readonly extension = '.txt';
  readonly kind = 'row';

  createWriter(output: FileOutput): FileRecordWriter<string> {
    const buffer = new TextOutputBuffer(output);
    return {
      async writeBatch(records: readonly string[]): Promise<void> {
        let text = '';
        for (let i = 0; i < records.length; i++) {
          const line = records[i];
          if (typeof line !== 'string' || line.includes('\n') || line.endsWith('\r')) {
            throw recordInvalidError(
              `Record ${i} of the batch cannot be written as one text line: ${typeof line === 'string' ? 'it contains a line break' : `it is ${typeof line}, not a string`}`,
            );
          }
          text += `${line}\n`;
        }
        await buffer.append(text);
      },
      flush: () => buffer.flush(),
      finish: () => buffer.flush(),
    };
  }
}
