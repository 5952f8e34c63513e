import type { ColumnChunk, Encoding, OffsetIndex, SchemaElement } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeDictionaryPage } from 'hyparquet-writer/src/dictionary.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import type { ColumnEncoder, Compressors, PageIndexes, Writer } from 'hyparquet-writer/src/types.js';
import { unconvert } from 'hyparquet-writer/src/unconvert.js';
import {
  type ColumnBuffer,
  Float64Buffer,
  Int64Buffer,
  StringBuffer,
  ValueBuffer,
} from './parquet-column-buffers.js';
import type { ParquetColumn } from './parquet-format-options.js';

/**
 * Encodes one flat column chunk straight from the column buffers (typed arrays, the shared strings),
 * producing the same bytes and the same metadata as hyparquet-writer's `writeColumn` for the column
 * types it supports: the same dictionary decision (sample, then the halving test), the same page
 * boundaries, statistics, DATA_PAGE_V2 pages, RLE/bit-packed definition levels and dictionary
 * indexes, and an offset index when a chunk has several pages. `parquet-chunk-encoder.test.ts` checks
 * the bytes against the library's.
 *
 * Why not the library: its per-value passes iterate the values with `for…of` (a heap number or
 * bigint per typed-array element, an iterator result when the loop is not optimised), convert every
 * string to its own `Uint8Array` before writing it, and copy the values for each page — about
 * 0.8 KB of garbage per row of the demo's orders, which V8's helper threads then collect. Here the
 * values are read in place, strings are written into one reused page buffer, 64-bit integers are
 * compared through an `Int32Array` view (no bigint per value) and copied as bytes.
 *
 * The library's page-header, dictionary-page, RLE and metadata code is still used as it is.
 */

/** Column types this encoder writes (the others keep the library's `writeColumn`). */
export function isFastColumn(column: ParquetColumn): boolean {
  switch (column.type) {
    case 'string':
    case 'int64':
    case 'timestamp':
    case 'timestamp-micros':
    case 'double':
    case 'int32':
    case 'date':
      return LITTLE_ENDIAN;
    default:
      return false;
  }
}

/** Typed-array bytes are copied as Parquet's little-endian values, so only on a little-endian host. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface ChunkOptions {
  readonly codec: ColumnEncoder['codec'];
  readonly compressors: Compressors;
  readonly statistics: boolean;
  /** 0: one page per chunk. */
  readonly pageSize: number;
}

type Physical = 'INT32' | 'INT64' | 'DOUBLE' | 'BYTE_ARRAY';

/** The chunk's values as read in place: exactly one of the value sources is set. */
interface Source {
  readonly physical: Physical;
  readonly rows: number;
  /** INT32 and BYTE_ARRAY: the values, null for a null row. */
  readonly items: readonly unknown[] | undefined;
  /** INT64: the values and their 32-bit halves (low word first). */
  readonly int64: BigInt64Array | undefined;
  readonly words: Int32Array | undefined;
  /** DOUBLE. */
  readonly float64: Float64Array | undefined;
  /** INT64 and DOUBLE: 1 for a null row (undefined: none). */
  readonly nulls: Uint8Array | undefined;
}

function sourceOf(buffer: ColumnBuffer, physical: Physical): Source {
  const rows = buffer.length;
  if (buffer instanceof Int64Buffer) {
    const data = buffer.storage;
    return {
      physical,
      rows,
      items: undefined,
      int64: data,
      words: new Int32Array(data.buffer, data.byteOffset, rows * 2),
      float64: undefined,
      nulls: buffer.nullCount > 0 ? buffer.nulls : undefined,
    };
  }
  if (buffer instanceof Float64Buffer) {
    return {
      physical,
      rows,
      items: undefined,
      int64: undefined,
      words: undefined,
      float64: buffer.storage,
      nulls: buffer.nullCount > 0 ? buffer.nulls : undefined,
    };
  }
  if (buffer instanceof StringBuffer || buffer instanceof ValueBuffer) {
    return {
      physical,
      rows,
      items: buffer.items,
      int64: undefined,
      words: undefined,
      float64: undefined,
      nulls: undefined,
    };
  }
  throw new Error('parquet: no fast encoder for this column buffer');
}

function isNull(s: Source, i: number): boolean {
  if (s.items !== undefined) return s.items[i] === null;
  return s.nulls !== undefined && s.nulls[i] === 1;
}

/**
 * Writes the column chunk of `buffer` (every buffered row) to `writer` and returns what
 * hyparquet-writer's `writeColumn` returns for it. Reads the buffer in place; the caller clears it.
 */
export function writeColumnChunk(
  writer: Writer,
  element: SchemaElement,
  buffer: ColumnBuffer,
  options: ChunkOptions,
): PageIndexes {
  const physical = element.type as Physical;
  const s = sourceOf(buffer, physical);
  const required = element.repetition_type === 'REQUIRED';
  const offsetStart = writer.offset;
  const encoder = {
    columnName: element.name,
    element,
    codec: options.codec,
    compressors: options.compressors,
  } as ColumnEncoder;
  let uncompressedSize = 0;
  const encodings: Encoding[] = [];
  const statistics = options.statistics ? statisticsOf(s) : undefined;

  const dict = buildDictionary(s, required);
  let encoding: Encoding;
  let dictionary_page_offset: bigint | undefined;
  if (dict !== undefined) {
    encoding = 'RLE_DICTIONARY';
    dictionary_page_offset = BigInt(writer.offset);
    const values = element.converted_type === 'UTF8' ? unconvert(element, dict.values) : dict.values;
    uncompressedSize += writeDictionaryPage(writer, encoder, values as never);
    encodings.push('PLAIN');
  } else {
    encoding = 'PLAIN';
  }
  encodings.push(encoding);

  const boundaries = pageBoundaries(s, dict, options.pageSize);
  const offsetIndex: OffsetIndex | undefined = boundaries.length > 2 ? { page_locations: [] } : undefined;
  const data_page_offset = BigInt(writer.offset);
  for (let b = 0; b + 1 < boundaries.length; b++) {
    const start = boundaries[b] as number;
    const end = boundaries[b + 1] as number;
    const pageOffset = writer.offset;
    uncompressedSize += writePage(writer, s, dict, start, end, required, options);
    offsetIndex?.page_locations.push({
      offset: BigInt(pageOffset),
      compressed_page_size: writer.offset - pageOffset,
      first_row_index: BigInt(start),
    });
  }

  const encoding_stats = options.statistics
    ? [
        ...(dictionary_page_offset !== undefined
          ? [{ page_type: 'DICTIONARY_PAGE' as const, encoding: 'PLAIN' as const, count: 1 }]
          : []),
        { page_type: 'DATA_PAGE_V2' as const, encoding, count: boundaries.length - 1 },
      ]
    : undefined;
  const chunk: ColumnChunk = {
    meta_data: {
      type: physical,
      encodings,
      path_in_schema: [element.name],
      codec: options.codec ?? 'UNCOMPRESSED',
      num_values: BigInt(s.rows),
      total_compressed_size: BigInt(writer.offset - offsetStart),
      total_uncompressed_size: BigInt(uncompressedSize),
      data_page_offset,
      dictionary_page_offset,
      statistics,
      encoding_stats,
    } as unknown as NonNullable<ColumnChunk['meta_data']>,
    file_offset: BigInt(offsetStart),
  };
  return offsetIndex === undefined ? { chunk } : { chunk, offsetIndex };
}

// ---------------------------------------------------------------------------------------------
// Statistics: min and max by Parquet's order (strings by code point), nulls counted, NaN skipped.

interface Statistics {
  min_value: unknown;
  max_value: unknown;
  null_count: bigint;
  nan_count: bigint | undefined;
}

function statisticsOf(s: Source): Statistics {
  let nullCount = 0;
  let nanCount = 0;
  let min: unknown;
  let max: unknown;
  if (s.int64 !== undefined) {
    const w = s.words as Int32Array;
    let minAt = -1;
    let maxAt = -1;
    for (let i = 0; i < s.rows; i++) {
      if (s.nulls !== undefined && s.nulls[i] === 1) {
        nullCount++;
        continue;
      }
      if (minAt === -1) {
        minAt = maxAt = i;
        continue;
      }
      if (compareInt64(w, i, minAt) < 0) minAt = i;
      if (compareInt64(w, i, maxAt) > 0) maxAt = i;
    }
    if (minAt !== -1) {
      min = s.int64[minAt];
      max = s.int64[maxAt];
    }
  } else if (s.float64 !== undefined) {
    const data = s.float64;
    let lo = 0;
    let hi = 0;
    let any = false;
    for (let i = 0; i < s.rows; i++) {
      if (s.nulls !== undefined && s.nulls[i] === 1) {
        nullCount++;
        continue;
      }
      const v = data[i] as number;
      if (Number.isNaN(v)) {
        nanCount++;
        continue;
      }
      if (!any) {
        lo = hi = v;
        any = true;
        continue;
      }
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (any) {
      // Signed zero per the spec: min -0, max +0.
      min = lo === 0 ? -0 : lo;
      max = hi === 0 ? 0 : hi;
    }
  } else {
    const items = s.items as readonly unknown[];
    const strings = s.physical === 'BYTE_ARRAY';
    let lo: unknown;
    let hi: unknown;
    for (let i = 0; i < s.rows; i++) {
      const v = items[i];
      if (v === null || v === undefined) {
        nullCount++;
        continue;
      }
      if (lo === undefined) {
        lo = hi = v;
        continue;
      }
      if (strings) {
        if (v !== lo && compareStrings(v as string, lo as string) < 0) lo = v;
        if (v !== hi && compareStrings(v as string, hi as string) > 0) hi = v;
      } else {
        if ((v as number) < (lo as number)) lo = v;
        if ((v as number) > (hi as number)) hi = v;
      }
    }
    min = lo;
    max = hi;
    if (min === 0) min = -0;
    if (max === 0) max = 0;
  }
  return {
    min_value: min,
    max_value: max,
    null_count: BigInt(nullCount),
    nan_count: s.float64 !== undefined ? BigInt(nanCount) : undefined,
  };
}

/** Signed 64-bit comparison of rows `a` and `b` from their 32-bit halves. */
function compareInt64(w: Int32Array, a: number, b: number): number {
  const ha = w[2 * a + 1] as number;
  const hb = w[2 * b + 1] as number;
  if (ha !== hb) return ha < hb ? -1 : 1;
  const la = (w[2 * a] as number) >>> 0;
  const lb = (w[2 * b] as number) >>> 0;
  return la === lb ? 0 : la < lb ? -1 : 1;
}

/** UTF-8 byte order (code point order), lone surrogates as U+FFFD: what the library compares. */
function compareStrings(left: string, right: string): number {
  if (left === right) return 0;
  const length = Math.min(left.length, right.length);
  let i = 0;
  while (i < length && left.charCodeAt(i) === right.charCodeAt(i)) i++;
  if (i > 0) {
    const prev = left.charCodeAt(i - 1);
    if (prev >= 0xd800 && prev <= 0xdbff) i--;
  }
  while (i < left.length && i < right.length) {
    const a = codePointAt(left, i);
    const b = codePointAt(right, i);
    if (a !== b) return a - b;
    i += a > 0xffff ? 2 : 1;
  }
  return left.length - right.length;
}

function codePointAt(text: string, i: number): number {
  const code = text.codePointAt(i) ?? 0xfffd;
  return code >= 0xd800 && code <= 0xdfff ? 0xfffd : code;
}

// ---------------------------------------------------------------------------------------------
// Dictionary: the library's decision (`useDictionary`), on the values in place.

interface Dictionary {
  /** Distinct values in order of first appearance (bigints for INT64). */
  readonly values: unknown[];
  /** Per row: the dictionary index (unset for a null row). */
  readonly indexes: Int32Array;
}

const SAMPLE_REJECTION_RATIO = 0.9;

/** A Map key equal for equal values: numbers and strings as they are, 64-bit integers as a number when exact. */
function keyOf(s: Source, i: number): unknown {
  if (s.items !== undefined) return s.items[i];
  if (s.nulls !== undefined && s.nulls[i] === 1) return null;
  if (s.float64 !== undefined) return s.float64[i];
  const w = s.words as Int32Array;
  const hi = w[2 * i + 1] as number;
  // |value| < 2^53: the number is exact, and no bigint is allocated for the key.
  if (hi >= -0x200000 && hi < 0x200000) return hi * 4294967296 + ((w[2 * i] as number) >>> 0);
  return (s.int64 as BigInt64Array)[i];
}

/** The library's size estimate of a value (strings by UTF-16 length), without the length prefix. */
function sizeOf(s: Source, key: unknown): number {
  if (key === null || key === undefined) return 0;
  switch (s.physical) {
    case 'INT32':
      return 4;
    case 'BYTE_ARRAY':
      return (key as string).length;
    default:
      return 8;
  }
}

function buildDictionary(s: Source, required: boolean): Dictionary | undefined {
  const n = s.rows;
  const prefix = s.physical === 'BYTE_ARRAY' ? 4 : 0;
  // Sample up to 1000 values spread over the chunk; reject when they are nearly all distinct.
  const sampleSize = Math.min(n, 1000);
  const sampled = new Set<unknown>();
  let sampleDictionarySize = 0;
  let sampleTotalSize = 0;
  for (let i = 0; i < sampleSize; i++) {
    const at = sampleSize === 1 ? 0 : Math.floor((i * (n - 1)) / (sampleSize - 1));
    const key = keyOf(s, at);
    const size = key === null || key === undefined ? 0 : sizeOf(s, key) + prefix;
    if (!sampled.has(key)) {
      sampled.add(key);
      sampleDictionarySize += size;
    }
    sampleTotalSize += size;
  }
  if (!sampleTotalSize || sampleDictionarySize / sampleTotalSize > SAMPLE_REJECTION_RATIO) return undefined;

  const values: unknown[] = [];
  const indexes = new Int32Array(n);
  const index = new Map<unknown, number>();
  let dictSize = 0;
  let totalSize = 0;
  let nonNull = 0;
  for (let i = 0; i < n; i++) {
    if (isNull(s, i)) {
      if (required) throw new Error('parquet required value is undefined');
      continue;
    }
    nonNull++;
    const key = keyOf(s, i);
    const size = sizeOf(s, key);
    totalSize += size;
    let at = index.get(key);
    if (at === undefined) {
      dictSize += size;
      at = values.length;
      values.push(s.int64 !== undefined ? s.int64[i] : key);
      index.set(key, at);
    }
    indexes[i] = at;
  }
  // Kept only when dictionary plus bit-packed indexes at least halve the PLAIN bytes.
  const bitWidth = Math.ceil(Math.log2(values.length));
  const indexSize = Math.ceil((nonNull * bitWidth) / 8);
  const plainSize = totalSize + nonNull * prefix;
  const dictionaryValueSize = dictSize + values.length * prefix;
  if (2 * (dictionaryValueSize + indexSize) > plainSize) return undefined;
  return { values, indexes };
}

// ---------------------------------------------------------------------------------------------
// Pages.

/**
 * Page starts by estimated size, as the library splits them: `[0, …, rows]`. Dictionary indexes
 * count 4 bytes, PLAIN strings their UTF-8 bytes, nulls nothing.
 */
function pageBoundaries(s: Source, dict: Dictionary | undefined, pageSize: number): number[] {
  const boundaries = [0];
  if (pageSize) {
    let start = 0;
    let accumulated = 0;
    for (let i = 0; i < s.rows; i++) {
      let size: number;
      if (isNull(s, i)) size = 0;
      else if (dict !== undefined || s.physical === 'INT32') size = 4;
      else if (s.physical === 'BYTE_ARRAY')
        size = Buffer.byteLength((s.items as readonly string[])[i] as string, 'utf8');
      else size = 8;
      accumulated += size;
      if (accumulated >= pageSize && i > start) {
        boundaries.push(i);
        start = i;
        accumulated = size;
      }
    }
  }
  boundaries.push(s.rows);
  return boundaries;
}

/** A byte writer reused for every page (the library's allocates per page and per string). */
class PageBuffer extends ByteWriter {
  private bytes: Buffer = Buffer.from(this.buffer);

  reset(): void {
    this.index = 0;
    this.offset = 0;
  }

  /** A UTF-8 string with its 4-byte length prefix (PLAIN BYTE_ARRAY). */
  appendString(text: string): void {
    this.ensure(4 + text.length * 3);
    if (this.bytes.buffer !== this.buffer) this.bytes = Buffer.from(this.buffer);
    const written = this.bytes.write(text, this.index + 4, 'utf8');
    this.view.setUint32(this.index, written, true);
    this.index += 4 + written;
    this.offset += 4 + written;
  }

  /** Raw bytes of a typed-array range. */
  appendRange(data: BigInt64Array | Float64Array, start: number, end: number): void {
    const bytes = new Uint8Array(data.buffer, data.byteOffset + start * 8, (end - start) * 8);
    this.appendBytes(bytes);
  }
}

const levelBuffer = new PageBuffer(4096);
const pageBuffer = new PageBuffer(1 << 20);
let scratch = new Int32Array(1024);
let levels = new Uint8Array(1024);

/** Writes one DATA_PAGE_V2 of rows `[start, end)`; returns its uncompressed size with the header. */
function writePage(
  writer: Writer,
  s: Source,
  dict: Dictionary | undefined,
  start: number,
  end: number,
  required: boolean,
  options: ChunkOptions,
): number {
  const count = end - start;
  const level = levelBuffer;
  const page = pageBuffer;
  level.reset();
  page.reset();
  let nulls = 0;
  if (!required) {
    if (levels.length < count) levels = new Uint8Array(count);
    for (let i = start; i < end; i++) {
      const isNullRow = isNull(s, i);
      if (isNullRow) nulls++;
      levels[i - start] = isNullRow ? 0 : 1;
    }
    writeRleBitPackedHybrid(level, levels.subarray(0, count), 1);
  }
  if (dict !== undefined) {
    if (scratch.length < count) scratch = new Int32Array(count);
    let k = 0;
    let max = 0;
    for (let i = start; i < end; i++) {
      if (isNull(s, i)) continue;
      const v = dict.indexes[i] as number;
      scratch[k++] = v;
      if (v > max) max = v;
    }
    const bitWidth = Math.ceil(Math.log2(max + 1));
    page.appendUint8(bitWidth);
    writeRleBitPackedHybrid(page, scratch.subarray(0, k), bitWidth);
  } else if (s.items !== undefined) {
    const items = s.items;
    if (s.physical === 'BYTE_ARRAY') {
      for (let i = start; i < end; i++) {
        const v = items[i];
        if (v !== null && v !== undefined) page.appendString(v as string);
      }
    } else {
      for (let i = start; i < end; i++) {
        const v = items[i];
        if (v !== null && v !== undefined) page.appendInt32(v as number);
      }
    }
  } else {
    const data = (s.int64 ?? s.float64) as BigInt64Array | Float64Array;
    if (s.nulls === undefined) {
      page.appendRange(data, start, end);
    } else {
      let run = -1;
      for (let i = start; i < end; i++) {
        if (s.nulls[i] === 1) {
          if (run !== -1) page.appendRange(data, run, i);
          run = -1;
        } else if (run === -1) {
          run = i;
        }
      }
      if (run !== -1) page.appendRange(data, run, end);
    }
  }

  const pageBytes = page.getBytes();
  const compressed = options.compressors[options.codec]?.(pageBytes) ?? pageBytes;
  const headerStart = writer.offset;
  writePageHeader(writer, {
    type: 'DATA_PAGE_V2',
    uncompressed_page_size: level.offset + page.offset,
    compressed_page_size: level.offset + compressed.length,
    data_page_header_v2: {
      num_values: count,
      num_nulls: nulls,
      num_rows: count,
      encoding: dict !== undefined ? 'RLE_DICTIONARY' : 'PLAIN',
      definition_levels_byte_length: level.offset,
      repetition_levels_byte_length: 0,
      // The library marks every page compressed (an UNCOMPRESSED codec included); so do we.
      is_compressed: !!options.codec,
    },
  });
  const headerSize = writer.offset - headerStart;
  writer.appendBytes(level.getBytes());
  writer.appendBytes(compressed);
  return headerSize + level.offset + page.offset;
}
