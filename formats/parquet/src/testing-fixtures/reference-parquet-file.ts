import { MemoryFileOutput } from '@tributary/core';
import { ParquetWriter } from 'hyparquet-writer';
import {
  PARQUET_WRITER_CODECS,
  type ParquetWriterCompression,
  parquetCompressors,
} from '../parquet-codecs.js';
import { fileSchemaOf, toColumnValue } from '../parquet-columns.js';
import type { ParquetColumn } from '../parquet-format-options.js';
import { ParquetOutputWriter } from '../parquet-output-writer.js';

/** How the reference file is cut and compressed (the options the writer under test got). */
export interface ReferenceFileOptions {
  readonly compression: ParquetWriterCompression;
  readonly rowGroupRows: number;
  readonly statistics: boolean;
  /** hyparquet-writer's page size; 1 MiB (the writer format's default) when not given. */
  readonly pageSizeBytes?: number;
}

/**
 * The file as hyparquet-writer writes it from plain arrays of the converted values, row group by
 * row group: the oracle the writer's own buffers and chunk encoder must match byte for byte.
 */
export async function referenceParquetFile(
  columns: readonly ParquetColumn[],
  rows: readonly Record<string, unknown>[],
  options: ReferenceFileOptions,
): Promise<Uint8Array> {
  const output = new MemoryFileOutput();
  const writer = new ParquetWriter({
    writer: new ParquetOutputWriter(output),
    schema: fileSchemaOf([...columns]),
    codec: PARQUET_WRITER_CODECS[options.compression],
    compressors: await parquetCompressors(options.compression),
    statistics: options.statistics,
    createdBy: 'tributary (hyparquet-writer)',
  });
  for (let from = 0; from < rows.length; from += options.rowGroupRows) {
    const group = rows.slice(from, from + options.rowGroupRows);
    await writer.write({
      columnData: columns.map((c) => ({
        name: c.name,
        data: group.map((r) => {
          const raw = r[c.name];
          if (raw === null || raw === undefined) return null;
          // DATE values are day numbers already; int64 numbers go to the library as bigints.
          const value = toColumnValue(c, raw);
          return c.type === 'int64' && typeof value === 'number' ? BigInt(value) : value;
        }),
      })) as never,
      rowGroupSize: group.length,
      pageSize: options.pageSizeBytes ?? 1024 * 1024,
    });
  }
  await writer.finish();
  return output.bytes();
}
