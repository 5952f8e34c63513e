/**
 * Job module of the workers benchmark: the demo's CSV → Parquet files pipeline, or a CPU-heavy
 * JSON Lines → Avro (deflate) pipeline. Loaded by URL in every worker (see workers-bench.ts).
 */
import { BucketAssigners, FileSink, FileSource } from '@tributary/connector-files';
import { defineJob, type FileFormat, type FileWriterFormat, Pipeline } from '@tributary/core';
import { AvroWriterFormat } from '@tributary/format-avro';
import { JsonFileFormat } from '@tributary/format-json';
import { orderCsvFormat, orderParquetFormat } from './order-formats.js';

export interface WorkersBenchParams {
  readonly pipeline: 'csv→parquet' | 'json→avro';
  readonly input: string;
  readonly output: string;
  /** The files source's read chunk (bytes); the source's default when undefined. */
  readonly readChunkBytes?: number | undefined;
}

const ORDER_AVRO_SCHEMA = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'order_id', type: 'long' },
    { name: 'order_date', type: 'string' },
    { name: 'customer', type: 'string' },
    { name: 'country', type: 'string' },
    { name: 'product', type: 'string' },
    { name: 'quantity', type: 'int' },
    { name: 'unit_price', type: 'double' },
    { name: 'channel', type: 'string' },
  ],
};

function formats(pipeline: WorkersBenchParams['pipeline']): [FileFormat<unknown>, FileWriterFormat<unknown>] {
  if (pipeline === 'json→avro') {
    return [
      new JsonFileFormat() as FileFormat<unknown>,
      new AvroWriterFormat({ schema: ORDER_AVRO_SCHEMA, codec: 'deflate' }) as FileWriterFormat<unknown>,
    ];
  }
  return [orderCsvFormat() as FileFormat<unknown>, orderParquetFormat() as FileWriterFormat<unknown>];
}

export default defineJob((params: WorkersBenchParams) => {
  const [reader, writer] = formats(params.pipeline);
  const source = FileSource.forFormat(
    reader,
    params.input,
    params.readChunkBytes === undefined ? {} : { readChunkBytes: params.readChunkBytes },
  );
  return Pipeline.from(source, { name: 'files' }).sinkTo(
    FileSink.forFormat(params.output, writer, { bucketAssigner: BucketAssigners.basePath() }),
    { name: 'out' },
  );
});
