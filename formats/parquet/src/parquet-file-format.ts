import {
  CoreErrorCodes,
  type FileFormat,
  type FileInput,
  type FilePosition,
  type FileReadBatch,
  type FileRecordReader,
  type FileRegion,
  recordInvalidError,
  TributaryError,
} from '@tributary/core';
import {
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
  type RowGroup,
  type SchemaElement,
} from 'hyparquet';
import { PARQUET_DECOMPRESSORS } from './parquet-codecs.js';
import {
  type ParquetFormatConfig,
  ParquetFormatOptions,
  type ResolvedParquetFormatOptions,
} from './parquet-format-options.js';
import { ParquetInputBuffer } from './parquet-input-buffer.js';
import {
  convertRawColumns,
  parquetParsers,
  type RawColumn,
  rawColumnsOf,
} from './parquet-value-conversions.js';

interface GroupInfo {
  /** Byte offset of the group's first page: its identity in positions and regions. */
  readonly start: number;
  readonly end: number;
  /** Index of the group's first row in the file. */
  readonly firstRow: number;
  readonly rows: number;
}

/**
 * Reads Parquet files with hyparquet, one row group at a time (decoded once, handed out in batches of
 * up to `maxBatchRows`). Records are objects keyed by top-level column.
 *
 * Splittable: a region holds the row groups whose first page starts inside it. The position after
 * a record is `{ row group start, rows of the group read so far }`, and `{ next group start, 0 }` after
 * a group's last row, so a restore decodes at most one row group again.
 */
export class ParquetFileFormat<T = Record<string, unknown>> implements FileFormat<T> {
  readonly name = 'parquet';
  readonly splittable = true;
  /** A container file has at least a header: 0 bytes is a truncated file, not an empty one. */
  readonly emptyFileIsValid = false;
  private readonly options: ResolvedParquetFormatOptions;

  constructor(options: ParquetFormatConfig = {}) {
    this.options = ParquetFormatOptions.parse(options);
  }

  createReader(input: FileInput, region: FileRegion): FileRecordReader<T> {
    return new ParquetRecordReader<T>(input, region, this.options);
  }
}

class ParquetRecordReader<T> implements FileRecordReader<T> {
  private readonly input: FileInput;
  private readonly region: FileRegion;
  private readonly options: ResolvedParquetFormatOptions;
  private file: ParquetInputBuffer | undefined;
  private metadata: FileMetaData | undefined;
  /** Columns read as physical values and converted here (decimals, intervals). */
  private rawColumns: RawColumn[] = [];
  private readonly parsers: ReturnType<typeof parquetParsers>;
  private int64Columns: string[] = [];
  /** Row groups of the region still to read, in file order. */
  private groups: GroupInfo[] = [];
  /** After the last group of the file: the footer offset. */
  private fileEnd = 0;
  /** Start of the row group after each one (or the footer), for the position after a group's last row. */
  private nextStarts = new Map<number, number>();
  private current:
    | { group: GroupInfo; nextStart: number; rows: T[]; next: number; bytes: number }
    | undefined;
  private toSkip: number;
  private done = false;

  constructor(input: FileInput, region: FileRegion, options: ResolvedParquetFormatOptions) {
    this.input = input;
    this.region = region;
    this.options = options;
    this.toSkip = region.restoredPosition?.recordsToSkip ?? 0;
    this.parsers = parquetParsers(options.timestamps);
  }

  async readBatch(): Promise<FileReadBatch<T> | null> {
    if (this.done) return null;
    if (this.file === undefined) await this.open();
    while (this.current === undefined || this.current.next >= this.current.rows.length) {
      const group = this.groups.shift();
      if (group === undefined) return this.finish();
      await this.load(group);
    }
    const c = this.current;
    const from = c.next;
    const to = Math.min(c.rows.length, from + this.options.maxBatchRows);
    const skipped = c.group.rows - c.rows.length;
    const records = c.rows.slice(from, to);
    const positions: FilePosition[] = new Array(to - from);
    for (let i = from; i < to; i++) {
      const done = skipped + i + 1;
      positions[i - from] =
        done < c.group.rows
          ? { offset: c.group.start, recordsToSkip: done }
          : { offset: c.nextStart, recordsToSkip: 0 };
    }
    c.next = to;
    const bytesRead = c.bytes;
    c.bytes = 0;
    return { records, positions, bytesRead };
  }

  async close(): Promise<void> {
    await this.finish();
  }

  private async open(): Promise<void> {
    const file = await ParquetInputBuffer.open(this.input);
    this.file = file;
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (error) {
      throw recordInvalidError(
        `Invalid Parquet file: ${error instanceof Error ? error.message : String(error)}`,
        {
          file: this.input.path,
        },
      );
    }
    const raw = rawColumnsOf(metadata, this.options.binaryAsString);
    this.metadata = raw.metadata;
    this.rawColumns = raw.raw;
    this.fileEnd = file.byteLength - 8 - metadata.metadata_length;
    this.int64Columns =
      this.options.int64As === 'number'
        ? metadata.schema
            .slice(1)
            .filter(isPlainInt64)
            .map((e) => e.name)
        : [];
    const all = groupsOf(metadata.row_groups, this.fileEnd);
    const restored = this.region.restoredPosition;
    const from = restored?.offset ?? this.region.start;
    const end = this.region.end ?? Number.POSITIVE_INFINITY;
    this.groups = all.filter((g) => g.start >= from && g.start < end);
    if (restored !== undefined && this.toSkip > 0 && this.groups[0]?.start !== restored.offset) {
      throw new TributaryError(
        CoreErrorCodes.RESTORE_FAILED,
        `Parquet restore position ${restored.offset} (+${restored.recordsToSkip} rows) is not a row group start in '${this.input.path}'; was the file replaced?`,
        {
          context: { file: this.input.path, offset: restored.offset, recordsToSkip: restored.recordsToSkip },
        },
      );
    }
    this.nextStarts = new Map(all.map((g, i) => [g.start, all[i + 1]?.start ?? this.fileEnd]));
  }

  private async load(group: GroupInfo): Promise<void> {
    const file = this.file as ParquetInputBuffer;
    const skip = Math.min(this.toSkip, group.rows);
    this.toSkip = 0;
    const bytes = await file.prefetch(group.start, group.end);
    let rows: T[];
    try {
      rows = (await parquetReadObjects({
        file,
        metadata: this.metadata as FileMetaData,
        rowStart: group.firstRow + skip,
        rowEnd: group.firstRow + group.rows,
        compressors: PARQUET_DECOMPRESSORS,
        parsers: this.parsers,
        utf8: this.options.binaryAsString,
        ...(this.options.projection === undefined ? {} : { columns: this.options.projection }),
      })) as T[];
    } catch (error) {
      throw recordInvalidError(
        `Invalid Parquet row group: ${error instanceof Error ? error.message.slice(0, 160) : String(error)}`,
        { file: this.input.path, offset: group.start },
      );
    }
    if (this.rawColumns.length > 0) {
      convertRawColumns(rows as Record<string, unknown>[], this.rawColumns, this.options.decimals);
    }
    if (this.int64Columns.length > 0) this.int64ToNumber(rows, group);
    this.current = {
      group,
      nextStart: this.nextStarts.get(group.start) ?? this.fileEnd,
      rows,
      next: 0,
      bytes,
    };
  }

  private int64ToNumber(rows: T[], group: GroupInfo): void {
    for (const row of rows as Record<string, unknown>[]) {
      for (const name of this.int64Columns) {
        const v = row[name];
        if (typeof v !== 'bigint') continue;
        if (v > 9007199254740991n || v < -9007199254740991n) {
          throw recordInvalidError(
            "Parquet INT64 value beyond ±2^53 cannot be a number; set int64As: 'bigint'",
            {
              file: this.input.path,
              offset: group.start,
              field: name,
            },
          );
        }
        row[name] = Number(v);
      }
    }
  }

  private async finish(): Promise<null> {
    this.done = true;
    this.current = undefined;
    return null;
  }
}

/** A signed 64-bit integer column: bare INT64, or annotated INT_64 / INTEGER(64, signed) as DuckDB and Spark write. */
function isPlainInt64(e: SchemaElement): boolean {
  if (e.type !== 'INT64' || e.num_children !== undefined) return false;
  if (e.converted_type !== undefined && e.converted_type !== 'INT_64') return false;
  const logical = e.logical_type;
  return logical === undefined || (logical.type === 'INTEGER' && logical.isSigned);
}

/** Row groups with their byte range and first row, in file order. */
function groupsOf(rowGroups: readonly RowGroup[], fileEnd: number): GroupInfo[] {
  const out: GroupInfo[] = [];
  let firstRow = 0;
  for (const group of rowGroups) {
    let start = Number.POSITIVE_INFINITY;
    let end = 0;
    for (const column of group.columns) {
      const meta = column.meta_data;
      if (meta === undefined) continue;
      // Some writers store 0 for an absent dictionary page; a real offset is always past the magic.
      const dictionary = meta.dictionary_page_offset !== undefined && meta.dictionary_page_offset > 0n;
      const first = Number(dictionary ? meta.dictionary_page_offset : meta.data_page_offset);
      start = Math.min(start, first);
      end = Math.max(end, first + Number(meta.total_compressed_size));
    }
    const rows = Number(group.num_rows);
    if (Number.isFinite(start)) out.push({ start, end: Math.min(end, fileEnd), firstRow, rows });
    firstRow += rows;
  }
  return out;
}
