import {
  type FileFormat,
  type FileInput,
  type FileRecordReader,
  type FileRegion,
  LineRecordReaderBase,
  type LineRegionBatch,
  LineRegionReader,
  type RecordBatchBuilder,
  type RecordErrorLocation,
  type RejectedLineRecord,
  recordInvalidError,
  snippetOf,
} from '@tributary/core';
import { dialectOf } from './csv-dialect.js';
import {
  type CsvFormatConfig,
  CsvFormatOptions,
  type ResolvedCsvFormatOptions,
  resolveColumns,
} from './csv-format-options.js';
import { CsvRecordAssembler } from './csv-record-assembler.js';
import { BAD_RECORD, CsvRecordConverter, type NewRecord, plainRecordMaker } from './csv-record-converter.js';

/**
 * Reads CSV files (RFC 4180): quoted fields with delimiters, quotes, CRLF and line breaks inside,
 * an optional header, typed columns. Blank lines are skipped.
 *
 * Splittable only with `newlinesInQuotedFields: false`. A reader that starts mid-file cannot tell
 * whether a line break ends a record or sits inside a quoted field without scanning from the start
 * of the file (quote state is global), so with quoted line breaks allowed the file is read as one
 * region. With them disallowed every line is a record and a region starts at any line.
 *
 * The position after each record is the byte offset after its last line (`recordsToSkip: 0`).
 */
export class CsvFileFormat<T = unknown> implements FileFormat<T> {
  readonly name = 'csv';
  readonly splittable: boolean;
  private readonly options: ResolvedCsvFormatOptions;
  /** Shared by the readers of every file, so all records of this format have one layout. */
  private readonly newRecord = plainRecordMaker();

  constructor(options: CsvFormatConfig = {}) {
    this.options = CsvFormatOptions.parse(options);
    this.splittable = !this.options.newlinesInQuotedFields;
  }

  createReader(input: FileInput, region: FileRegion): FileRecordReader<T> {
    return new CsvRecordReader<T>(input, region, this.options, this.newRecord);
  }
}

class CsvRecordReader<T> extends LineRecordReaderBase<T> {
  private readonly options: ResolvedCsvFormatOptions;
  private readonly assembler: CsvRecordAssembler;
  private readonly converter: CsvRecordConverter;
  /** Earlier lines of the record being assembled, kept for its dead letter (`errors: 'dead-letter'`). */
  private readonly keepRaw: boolean;
  private rawLines: string[] = [];
  /** The next record is the header line (the reader starts at byte 0 of a file with a header). */
  private headerNext: boolean;
  /** Start offset and line number of the record being assembled. */
  private recordStart = 0;
  private recordLine: number | undefined;
  /** End offset of the last line fed into a record that is not complete yet. */
  private pendingEnd = 0;

  constructor(input: FileInput, region: FileRegion, options: ResolvedCsvFormatOptions, newRecord: NewRecord) {
    // Keep '\r': inside quotes it is data; the assembler drops it at the end of a record.
    super(input, region, { stripCarriageReturn: false, maxLineBytes: options.maxLineBytes });
    this.options = options;
    this.assembler = new CsvRecordAssembler(dialectOf(options));
    this.converter = new CsvRecordConverter(
      resolveColumns(options),
      options.timeZone,
      options.nullLiteral,
      newRecord,
    );
    this.keepRaw = options.errors === 'dead-letter';
    this.headerNext = options.header && (region.restoredPosition?.offset ?? region.start) === 0;
  }

  /** A reader starting after the header still needs its column names: read them from the file start. */
  protected override async prepare(): Promise<void> {
    if (!this.options.header || this.headerNext || this.converter.hasNames) return;
    const lines = new LineRegionReader(
      this.input,
      { start: 0, end: undefined },
      {
        stripCarriageReturn: false,
        maxLineBytes: this.options.maxLineBytes,
      },
    );
    const assembler = new CsvRecordAssembler(dialectOf(this.options));
    try {
      for (let batch = await lines.next(); batch !== null; batch = await lines.next()) {
        for (const line of batch.lines) {
          if (!assembler.pending && isBlank(line)) continue;
          if (assembler.feed(line)) return this.useHeader(assembler, 0);
        }
      }
      if (assembler.finish()) this.useHeader(assembler, 0);
    } finally {
      await lines.close();
    }
  }

  protected parseLines(batch: LineRegionBatch, out: RecordBatchBuilder<T>): void {
    const { lines, ends, firstLineNumber } = batch;
    const assembler = this.assembler;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (!assembler.pending) {
        if (isBlank(line)) continue;
        this.recordStart = i === 0 ? batch.start : (ends[i - 1] as number);
        this.recordLine = firstLineNumber === undefined ? undefined : firstLineNumber + i;
      }
      if (assembler.feed(line)) this.emit(out, ends[i] as number, line);
      else {
        this.pendingEnd = ends[i] as number;
        if (this.keepRaw) this.rawLines.push(line);
      }
    }
  }

  protected override endOfInput(out: RecordBatchBuilder<T>): void {
    // A record still open at the end of the input (an unclosed quote) ends after its last line.
    if (this.assembler.finish()) this.emit(out, this.pendingEnd, undefined);
  }

  /** `line`: the record's last line, undefined when the input ended inside the record. */
  private emit(out: RecordBatchBuilder<T>, end: number, line: string | undefined): void {
    const assembler = this.assembler;
    const earlierLines = this.rawLines;
    if (earlierLines.length > 0) this.rawLines = [];
    if (this.headerNext) {
      this.headerNext = false;
      if (!this.converter.hasNames) this.useHeader(assembler, this.recordStart);
      return;
    }
    let problem = assembler.problem;
    let column = assembler.problemColumn;
    let field: string | undefined;
    let value: unknown;
    if (problem === undefined) {
      value = this.converter.convertAssembled(assembler);
      if (value === BAD_RECORD) ({ reason: problem, column, field } = this.converter.problem);
    }
    if (problem !== undefined) {
      const reason = problem;
      const error = () =>
        recordInvalidError(`Invalid CSV record: ${reason}`, {
          ...this.location(),
          column,
          field,
          snippet: snippetOf(line ?? earlierLines.at(-1) ?? ''),
        });
      const lines = line === undefined ? earlierLines : [...earlierLines, line];
      this.rejectRecord(this.options.errors, error, () => this.rejected(end, lines.join('\n')), out);
      return;
    }
    out.records.push(value as T);
    out.endOffsets.push(end);
    out.lineNumbers?.push(this.recordLine as number);
  }

  private useHeader(assembler: CsvRecordAssembler, start: number): void {
    const names = assembler.fields.map((f) => f ?? this.options.nullLiteral ?? '');
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (assembler.problem !== undefined || duplicate !== undefined) {
      throw recordInvalidError(
        `Invalid CSV header: ${assembler.problem ?? `duplicate column name '${snippetOf(duplicate as string)}'`}`,
        { file: this.input.path, line: start === 0 ? 1 : undefined, offset: start },
      );
    }
    this.converter.setNames(names);
  }

  private rejected(end: number, raw: string): RejectedLineRecord {
    // Drop the '\r' of a CRLF record end, as the line reader does for other formats.
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    return { start: this.recordStart, end, line: this.recordLine, raw: text };
  }

  private location(): RecordErrorLocation {
    return { file: this.input.path, line: this.recordLine, offset: this.recordStart };
  }
}

function isBlank(line: string): boolean {
  return line.length === 0 || (line.length === 1 && line.charCodeAt(0) === 13);
}
