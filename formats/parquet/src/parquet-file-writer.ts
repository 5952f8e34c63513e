import { ParquetWriter } from 'hyparquet-writer';
import type { Compressors } from 'hyparquet-writer/src/types.js';
import { writeColumnChunk } from './parquet-chunk-encoder.js';
import type { ColumnBuffer } from './parquet-column-buffers.js';

/**
 * hyparquet-writer's file writer (header, footer, page indexes and metadata stay the library's) with
 * a row-group path that encodes the column buffers in place (`parquet-chunk-encoder.ts`) instead of
 * handing the library arrays of values. Use {@link writeBuffers} only when every column is one the
 * chunk encoder supports (`isFastColumn`); `write` still takes the library's path.
 */
export class ParquetFileWriter extends ParquetWriter {
  /**
   * Writes the buffered rows as one row group, then clears the buffers and flushes the output
   * (the same steps, and the same bytes, as `write({ columnData, rowGroupSize: rows, pageSize })`).
   */
  writeBuffers(buffers: readonly ColumnBuffer[], rows: number, pageSize: number): void | Promise<void> {
    const groupStart = this.writer.offset;
    const columns = [];
    for (let j = 0; j < buffers.length; j++) {
      const buffer = buffers[j] as ColumnBuffer;
      if (buffer.length !== rows) throw new Error('parquet columns must have the same length');
      const element = this.schema[j + 1];
      if (element === undefined) throw new Error('parquet: more column buffers than schema columns');
      const result = writeColumnChunk(this.writer, element, buffer, {
        codec: this.codec,
        compressors: this.compressors as Compressors,
        statistics: this.statistics,
        pageSize,
      });
      buffer.clear();
      columns.push(result.chunk);
      this.pendingIndexes.push(result);
    }
    let total_byte_size = 0n;
    for (const { meta_data } of columns) total_byte_size += meta_data?.total_uncompressed_size ?? 0n;
    this.num_rows += BigInt(rows);
    this.row_groups.push({
      columns,
      total_byte_size,
      num_rows: BigInt(rows),
      total_compressed_size: BigInt(this.writer.offset - groupStart),
    });
    return this.writer.flush?.();
  }
}
