import { MemoryFileInput, MemoryFileOutput, readFileRegion } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { ParquetFileFormat, ParquetWriterFormat } from './index.js';

// The #regions below are the snippets of formats/parquet/README.md and docs/formats/parquet.md
// (docs-sections.test.ts copies them there), so every snippet in the docs runs.

describe('Parquet docs examples', () => {
  it('writes and reads Parquet', async () => {
    // #region parquet-write-read
    const format = new ParquetWriterFormat({
      columns: [
        { name: 'id', type: 'int64', nullable: false },
        { name: 'city', type: 'string' },
        { name: 'at', type: 'timestamp' },
      ],
      compression: 'gzip',
      rowGroupRows: 50_000,
    });
    const output = new MemoryFileOutput(); // a part file; the files connector rolls it on checkpoints
    const writer = format.createWriter(output);
    await writer.writeBatch([
      { id: 1, city: 'Köln', at: new Date('2024-05-01T10:00:00Z') },
      { id: 2, city: null, at: null },
    ]);
    await writer.finish(); // writes the last row group and the footer

    const reader = new ParquetFileFormat({ int64As: 'number' });
    const { records } = await readFileRegion(reader, new MemoryFileInput(output.bytes()));
    // [{ id: 1, city: 'Köln', at: new Date('2024-05-01T10:00:00Z') }, { id: 2, city: null, at: null }]
    // #endregion parquet-write-read
    expect(records).toEqual([
      { id: 1, city: 'Köln', at: new Date('2024-05-01T10:00:00Z') },
      { id: 2, city: null, at: null },
    ]);
  });
});
