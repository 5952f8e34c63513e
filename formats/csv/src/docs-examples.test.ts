import { MemoryFileInput, MemoryFileOutput, readFileRegion } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { CsvFileFormat, CsvWriterFormat } from './index.js';

// The #regions below are the snippets of formats/csv/README.md and docs/formats/csv.md
// (docs-sections.test.ts copies them there), so every snippet in the docs runs.

describe('CSV docs examples', () => {
  it('reads typed CSV with a header', async () => {
    // #region csv-read
    const format = new CsvFileFormat({
      header: true,
      columns: [
        { name: 'id', type: 'integer', nullable: false },
        'name',
        { name: 'price', type: 'number' },
        { name: 'day', type: 'date' },
      ],
    });
    const input = new MemoryFileInput(
      'id,name,price,day\r\n1,"Smith, J.",9.5,2024-05-01\r\n2,"say ""hi""",,2024-05-02\r\n',
    );
    const { records } = await readFileRegion(format, input);
    // [{ id: 1, name: 'Smith, J.', price: 9.5, day: new Date('2024-05-01') },
    //  { id: 2, name: 'say "hi"', price: null, day: new Date('2024-05-02') }]
    // #endregion csv-read
    expect(records).toEqual([
      { id: 1, name: 'Smith, J.', price: 9.5, day: new Date('2024-05-01') },
      { id: 2, name: 'say "hi"', price: null, day: new Date('2024-05-02') },
    ]);
  });

  it('reports conversion errors with line and column', async () => {
    // #region csv-errors
    const format = new CsvFileFormat({ header: true, columns: ['sku', { name: 'qty', type: 'integer' }] });
    const input = new MemoryFileInput('sku,qty\nA-1,3\nB-2,three\n', { path: 'stock.csv' });
    await expect(readFileRegion(format, input)).rejects.toThrow(
      "Invalid CSV record: not an integer (or beyond ±2^53), expected integer (at file 'stock.csv', line 3, column 2, field 'qty')",
    );
    // With errors: 'skip-and-count' the record is dropped and counted in numRecordsInErrors instead.
    // #endregion csv-errors
  });

  it('writes CSV with a header per part file', async () => {
    // #region csv-write
    const writer = new CsvWriterFormat({ header: true, delimiter: ';', nullLiteral: '\\N' });
    const output = new MemoryFileOutput();
    const part = writer.createWriter(output);
    await part.writeBatch([
      { id: 1, note: 'a;b' },
      { id: 2, note: null },
    ]);
    await part.finish();
    // output.text(): 'id;note\n1;"a;b"\n2;\\N\n'
    // #endregion csv-write
    expect(output.text()).toBe('id;note\n1;"a;b"\n2;\\N\n');
  });
});
