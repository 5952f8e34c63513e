import {
  type FileOutput,
  type FileRecordWriter,
  type FileWriterFormat,
  InvalidOptionsError,
  recordInvalidError,
} from '@tributary/core';
import type { ParquetWriter } from 'hyparquet-writer';
import { isFastColumn } from './parquet-chunk-encoder.js';
import { PARQUET_WRITER_CODECS, parquetCompressors } from './parquet-codecs.js';
import { type ColumnBuffer, columnBufferFor } from './parquet-column-buffers.js';
import {
  BAD_VALUE,
  deriveColumns,
  fileSchemaOf,
  toColumnValue,
  typeOfValue,
  valueProblem,
} from './parquet-columns.js';
import { ParquetFileWriter } from './parquet-file-writer.js';
import {
  type ParquetColumn,
  type ParquetFormatConfig,
  ParquetFormatOptions,
  type ResolvedParquetFormatOptions,
} from './parquet-format-options.js';
import { ParquetOutputWriter } from './parquet-output-writer.js';

/**
 * Writes Parquet part files (`.parquet`) with hyparquet-writer. A bulk format: a Parquet file is only
 * readable once its footer is written, so the files connector rolls the part file on every checkpoint
 * (`finish()`). Rows are buffered column by column (typed arrays for numbers, repeated strings
 * shared: see `parquet-column-buffers.ts`) and written a row group at a time (`rowGroupRows`);
 * `flush()` does not cut a row group, since small groups make poor files.
 */
export class ParquetWriterFormat<T = Record<string, unknown>> implements FileWriterFormat<T> {
  readonly name = 'parquet';
  readonly extension = '.parquet';
  readonly kind = 'bulk';
  private readonly options: ResolvedParquetFormatOptions;
  /**
   * Column buffers of finished part files, for the next writer (only with `columns`: a derived
   * schema differs per file). The files connector rolls a part file at every checkpoint, so without
   * this every file grew a fresh set of buffers to a row group's size (an array growing by `push`
   * allocates about three times its final size on the way).
   */
  private readonly spareBuffers: ColumnBuffer[][] = [];

  constructor(options: ParquetFormatConfig = {}) {
    this.options = ParquetFormatOptions.parse(options);
    checkDecimalColumns(this.options.columns ?? []);
  }

  createWriter(output: FileOutput): FileRecordWriter<T> {
    return new ParquetRecordWriter<T>(output, this.options, this.spareBuffers);
  }
}

/** Spare buffer sets kept per format (each holds up to a row group of every column). */
const MAX_SPARE_BUFFER_SETS = 4;

class ParquetRecordWriter<T> implements FileRecordWriter<T> {
  private readonly output: FileOutput;
  private readonly options: ResolvedParquetFormatOptions;
  private columns: ParquetColumn[] | undefined;
  /** Column names of a derived schema (undefined when the user gave `columns`), to spot new keys. */
  private derivedNames: Set<string> | undefined;
  private writer: ParquetFileWriter | undefined;
  /** Every column is one the chunk encoder writes from the buffers in place (decided at open). */
  private fast = false;
  /** Buffered values, one buffer per column. */
  private readonly data: ColumnBuffer[];
  private rows = 0;
  private readonly spareBuffers: ColumnBuffer[][];
  private finished = false;

  constructor(output: FileOutput, options: ResolvedParquetFormatOptions, spareBuffers: ColumnBuffer[][]) {
    this.output = output;
    this.options = options;
    this.columns = options.columns;
    this.spareBuffers = spareBuffers;
    this.data =
      options.columns === undefined ? [] : (spareBuffers.pop() ?? options.columns.map(columnBufferFor));
  }

  async writeBatch(records: readonly T[]): Promise<void> {
    if (this.finished) throw new Error('Parquet writer: writeBatch after finish()');
    if (records.length === 0) return;
    const columns = this.columns ?? this.start(deriveColumns(records));
    const data = this.data;
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as Record<string, unknown> | null;
      if (typeof record !== 'object' || record === null) {
        throw recordInvalidError(
          `Record ${i} of the batch is ${record === null ? 'null' : typeof record}, not an object`,
        );
      }
      if (this.derivedNames !== undefined) this.addNewKeys(records, i);
      for (let j = 0; j < columns.length; j++) {
        const column = columns[j] as ParquetColumn;
        const raw = record[column.name];
        let value: unknown = null;
        if (raw !== null && raw !== undefined) {
          value = toColumnValue(column, raw);
          if (value === BAD_VALUE) {
            this.dropPartialRow(j);
            throw recordInvalidError(
              `Record ${i} of the batch: ${valueProblem.reason} (${column.type} column)`,
              {
                field: column.name,
              },
            );
          }
        } else if (!column.nullable) {
          this.dropPartialRow(j);
          throw recordInvalidError(`Record ${i} of the batch: null in a required column`, {
            field: column.name,
          });
        }
        (data[j] as ColumnBuffer).push(value);
      }
      this.rows++;
      if (this.rows >= this.options.rowGroupRows) await this.writeRowGroup();
    }
  }

  /** Bulk format: nothing is readable before `finish()`, so flush does not cut a row group. */
  async flush(): Promise<void> {}

  async finish(): Promise<void> {
    if (this.finished) return;
    if (this.columns === undefined) this.start([]);
    await this.writeRowGroup();
    await (this.writer as ParquetWriter).finish();
    this.finished = true;
    // The buffers are empty now (the last row group took their rows); the next part file reuses them.
    if (this.options.columns !== undefined && this.spareBuffers.length < MAX_SPARE_BUFFER_SETS) {
      for (const buffer of this.data) buffer.clear();
      this.spareBuffers.push(this.data);
    }
  }

  private start(columns: ParquetColumn[]): ParquetColumn[] {
    this.columns = columns;
    if (this.options.columns === undefined) this.derivedNames = new Set(columns.map((c) => c.name));
    this.data.push(...columns.map(columnBufferFor));
    return columns;
  }

  private async open(): Promise<ParquetFileWriter> {
    if (this.writer !== undefined) return this.writer;
    this.fast = (this.columns as ParquetColumn[]).every(isFastColumn);
    this.writer = new ParquetFileWriter({
      writer: new ParquetOutputWriter(this.output),
      schema: fileSchemaOf(this.columns as ParquetColumn[]),
      codec: PARQUET_WRITER_CODECS[this.options.compression],
      compressors: await parquetCompressors(this.options.compression),
      statistics: this.options.statistics,
      createdBy: 'tributary (hyparquet-writer)',
    });
    return this.writer;
  }

  private async writeRowGroup(): Promise<void> {
    const writer = await this.open();
    if (this.rows === 0) return;
    if (this.fast) {
      const rows = this.rows;
      this.rows = 0;
      await writer.writeBuffers(this.data, rows, this.options.pageSizeBytes);
      return;
    }
    const columns = this.columns as ParquetColumn[];
    const columnData = columns.map((c, j) => ({ name: c.name, data: (this.data[j] as ColumnBuffer).take() }));
    const rows = this.rows;
    this.rows = 0;
    await writer.write({
      columnData: columnData as Parameters<ParquetWriter['write']>[0]['columnData'],
      rowGroupSize: rows,
      pageSize: this.options.pageSizeBytes,
    });
  }

  /**
   * Derived schema: a key of record `i` that no column has. Until the first row group is written the
   * schema is still open, so the key becomes a new column (typed by its first non-null value from
   * here on, rows buffered so far null). After that the file's schema is fixed (hyparquet-writer
   * takes it up front and every row group must hold every column), so a new key with a value is
   * `TRIB_RECORD_INVALID` rather than a value silently left out. A new key holding null or
   * undefined loses nothing: the missing column reads back as null.
   */
  private addNewKeys(records: readonly T[], i: number): void {
    const names = this.derivedNames as Set<string>;
    const record = records[i] as Record<string, unknown>;
    for (const key in record) {
      if (names.has(key) || !Object.hasOwn(record, key)) continue;
      if (this.writer === undefined) {
        this.addColumn(key, records, i);
      } else if (record[key] !== null && record[key] !== undefined) {
        throw recordInvalidError(
          `Record ${i} of the batch has a key this part file's schema lacks: the schema was derived ` +
            'from the rows before its first row group, which is written already; give `columns` ' +
            'to write keys that appear later',
          { field: key },
        );
      }
    }
  }

  private addColumn(name: string, records: readonly T[], from: number): void {
    let type: ParquetColumn['type'] | undefined;
    for (let k = from; k < records.length && type === undefined; k++) {
      const record = records[k];
      if (typeof record === 'object' && record !== null)
        type = typeOfValue((record as Record<string, unknown>)[name]);
    }
    const column: ParquetColumn = { name, type: type ?? 'json', nullable: true };
    (this.columns as ParquetColumn[]).push(column);
    const buffer = columnBufferFor(column);
    for (let k = 0; k < this.rows; k++) buffer.push(null);
    this.data.push(buffer);
    (this.derivedNames as Set<string>).add(name);
  }

  /** A record failed half-way: remove the values of its first `count` columns. */
  private dropPartialRow(count: number): void {
    for (let j = 0; j < count; j++) (this.data[j] as ColumnBuffer).pop();
  }
}

/** A decimal column needs a precision, and its scale cannot exceed it. */
function checkDecimalColumns(columns: readonly ParquetColumn[]): void {
  const problems = columns.flatMap((c, i) => {
    if (c.type !== 'decimal') return [];
    if (c.precision === undefined) {
      return [{ key: `format.parquet.columns.${i}.precision`, message: 'is required for a decimal column' }];
    }
    if ((c.scale ?? 0) > c.precision) {
      return [{ key: `format.parquet.columns.${i}.scale`, message: 'cannot exceed the precision' }];
    }
    return [];
  });
  if (problems.length > 0) throw new InvalidOptionsError('format.parquet', problems);
}
