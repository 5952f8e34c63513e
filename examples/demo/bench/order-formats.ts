import { CsvFileFormat } from '@tributary/format-csv';
import { ParquetWriterFormat } from '@tributary/format-parquet';
import { ORDER_PARQUET_COLUMNS } from '../src/demo-job.js';

/** The demo's order CSV read with typed columns (the benches' input format). */
export const orderCsvFormat = () =>
  new CsvFileFormat({
    header: true,
    columns: [
      { name: 'order_id', type: 'integer' },
      { name: 'order_date', type: 'date' },
      'customer',
      'country',
      'product',
      { name: 'quantity', type: 'integer' },
      { name: 'unit_price', type: 'number' },
      'channel',
    ],
  });

/** Parquet with the CSV's columns (no computed total), so every path writes identical rows. */
export const orderParquetFormat = () =>
  new ParquetWriterFormat({
    columns: ORDER_PARQUET_COLUMNS.filter((c) => c.name !== 'total').map((c) => ({ ...c })),
    compression: 'snappy',
  });
