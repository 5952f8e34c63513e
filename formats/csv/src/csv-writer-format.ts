import {
  type FileOutput,
  type FileRecordWriter,
  type FileWriterFormat,
  recordInvalidError,
  TextOutputBuffer,
} from '@tributary/core';
import {
  type CsvFormatConfig,
  CsvFormatOptions,
  type ResolvedCsvFormatOptions,
} from './csv-format-options.js';
import { CsvLineEncoder } from './csv-line-encoder.js';

/**
 * Writes CSV part files (`.csv`), one record per line (quoted fields may hold line breaks). With
 * `header: true` each new part file starts with a header line: names from `columns`, or the keys of
 * the first object record. A part file continued after a restore (`bytesWritten > 0`) gets no second
 * header. A row format.
 */
export class CsvWriterFormat<T = unknown> implements FileWriterFormat<T> {
  readonly name = 'csv';
  readonly extension = '.csv';
  readonly kind = 'row';
  private readonly options: ResolvedCsvFormatOptions;

  constructor(options: CsvFormatConfig = {}) {
    this.options = CsvFormatOptions.parse(options);
  }

  createWriter(output: FileOutput): FileRecordWriter<T> {
    return new CsvRecordWriter<T>(output, this.options);
  }
}

class CsvRecordWriter<T> implements FileRecordWriter<T> {
  private readonly buffer: TextOutputBuffer;
  private readonly encoder: CsvLineEncoder;
  private readonly eol: string;
  private headerPending: boolean;

  constructor(output: FileOutput, options: ResolvedCsvFormatOptions) {
    this.buffer = new TextOutputBuffer(output);
    this.encoder = new CsvLineEncoder(options);
    this.eol = options.lineEnding === 'crlf' ? '\r\n' : '\n';
    this.headerPending = options.header && output.bytesWritten === 0;
  }

  async writeBatch(records: readonly T[]): Promise<void> {
    if (records.length === 0) return;
    const eol = this.eol;
    let text = '';
    if (this.headerPending) {
      const names = this.encoder.namesFor(records[0]);
      if (names === undefined) {
        throw recordInvalidError('CSV header needs column names: set columns, or write object records');
      }
      text += this.encoder.header(names) + eol;
      this.headerPending = false;
    }
    for (let i = 0; i < records.length; i++) text += this.encoder.line(records[i], i) + eol;
    await this.buffer.append(text);
  }

  flush(): Promise<void> {
    return this.buffer.flush();
  }

  finish(): Promise<void> {
    return this.buffer.flush();
  }
}
