import { join } from 'node:path';
import { BucketAssigners, type FileRecord, FileSink, FileSource } from '@tributary/connector-files';
import { type JobClient, Pipeline, RoutingSink, silentLogger } from '@tributary/core';
import { CsvFileFormat } from '@tributary/format-csv';
import { JsonWriterFormat } from '@tributary/format-json';
import { ParquetWriterFormat } from '@tributary/format-parquet';
import { type DeadLetter, type DemoRecord, isDeadLetter, type Order, toDemoRecord } from './order-records.js';

/** The directories of one demo workspace (by default `.tributary/demo/` under the repo root). */
export interface DemoPaths {
  readonly root: string;
  readonly input: string;
  readonly output: string;
  readonly deadLetter: string;
  readonly checkpoints: string;
  /** Written when a run finished; its presence means "done, use --fresh to start over". */
  readonly doneMarker: string;
}

/** The paths under `root`. */
export function demoPaths(root: string): DemoPaths {
  return {
    root,
    input: join(root, 'input'),
    output: join(root, 'output'),
    deadLetter: join(root, 'dead-letter'),
    checkpoints: join(root, 'checkpoints'),
    doneMarker: join(root, 'done.json'),
  };
}

/** How to run the job. */
export interface DemoJobOptions {
  readonly parallelism: number;
  readonly checkpointIntervalMs: number;
  /** Serve Prometheus metrics on this port (see docs/metrics.md). */
  readonly metricsPort?: number;
  /** How long the metrics endpoint serves the final values after the job (default: the reporter's 30 s). */
  readonly metricsLingerMs?: number;
  /** The job name (the `job_name` label of its metrics); default `orders-demo`. */
  readonly jobName?: string;
  /** Called (on the subtask's loop) when the last record of an input file was read. */
  readonly onFileDone?: (path: string) => void;
}

/** The demo job's default name (the `job_name` label of its metrics). */
export const DEMO_JOB_NAME = 'orders-demo';

/** The Parquet schema of the output (explicit, so every part file has the same schema). */
export const ORDER_PARQUET_COLUMNS = [
  { name: 'order_id', type: 'int64', nullable: false },
  { name: 'order_date', type: 'date', nullable: false },
  { name: 'customer', type: 'string', nullable: false },
  { name: 'country', type: 'string', nullable: false },
  { name: 'product', type: 'string', nullable: false },
  { name: 'quantity', type: 'int32', nullable: false },
  { name: 'unit_price', type: 'double', nullable: false },
  { name: 'total', type: 'double', nullable: false },
  { name: 'channel', type: 'string', nullable: false },
] as const;

/**
 * Starts the demo job: CSV files → validate and convert → valid orders to Parquet partitioned by
 * `date=YYYY-MM-DD`, rejected rows to a JSON Lines dead-letter file, both exactly-once. Starting
 * it again with the same checkpoint directory resumes from the latest checkpoint.
 */
export function startDemoJob(paths: DemoPaths, options: DemoJobOptions): JobClient {
  // Arrays of strings (no header, no column list): a row with a wrong field count must reach the
  // validator and become a dead letter, not fail the reader.
  const csv = new CsvFileFormat<string[]>({ header: false });
  const source = FileSource.forFormat(csv, paths.input, {
    includeGlobs: ['*.csv'],
    withMetadata: true,
  }) as FileSource<FileRecord<string[]>>;
  const orders = FileSink.forFormat<Order>(
    paths.output,
    new ParquetWriterFormat<Order>({ columns: [...ORDER_PARQUET_COLUMNS], compression: 'snappy' }),
    {
      bucketAssigner: BucketAssigners.hive<Order>({
        date: (order) => order.order_date.toISOString().slice(0, 10),
      }),
      successMarker: { enabled: true },
    },
  );
  const deadLetters = FileSink.forFormat<DeadLetter>(paths.deadLetter, new JsonWriterFormat<DeadLetter>(), {
    bucketAssigner: BucketAssigners.basePath(),
  });
  // Shown in docs/builtins.md.
  // #region routing-sink
  const sink = new RoutingSink<DemoRecord>(
    { orders: orders as FileSink<DemoRecord>, deadLetters: deadLetters as FileSink<DemoRecord> },
    (record) => (isDeadLetter(record) ? 'deadLetters' : 'orders'),
  );
  // #endregion routing-sink
  return Pipeline.from(source, { name: 'orders-csv' })
    .process<DemoRecord>((row, ctx) => {
      if (row.position.offset === row.size) options.onFileDone?.(row.path);
      const record = toDemoRecord(row as FileRecord<string[]>);
      if (record !== null) ctx.emit(record);
    }, 'validate')
    .sinkTo(sink, { name: 'parquet+dead-letter' })
    .start(
      {
        jobName: options.jobName ?? DEMO_JOB_NAME,
        parallelism: options.parallelism,
        checkpointing: { intervalMs: options.checkpointIntervalMs, directory: paths.checkpoints },
        ...(options.metricsPort === undefined
          ? {}
          : {
              metrics: {
                prometheus: {
                  port: options.metricsPort,
                  host: '127.0.0.1',
                  ...(options.metricsLingerMs === undefined
                    ? {}
                    : { lingerAfterFinishMs: options.metricsLingerMs }),
                },
              },
            }),
      },
      { logger: silentLogger },
    );
}
