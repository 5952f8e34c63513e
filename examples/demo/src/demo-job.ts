import { join } from 'node:path';
import { BucketAssigners, type FileRecord, FileSink, FileSource } from '@tributary/connector-files';
import {
  type Job,
  type JobClient,
  type JobOptionsInput,
  loadJob,
  Pipeline,
  RoutingSink,
  silentLogger,
} from '@tributary/core';
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
  /**
   * Where the subtasks run (job option `workers`, default `'auto'`: one worker thread per core,
   * capped by parallelism). With workers the job is loaded from its job module (demo-job-module.ts).
   */
  readonly workers?: JobOptionsInput['workers'];
  /**
   * Called (on the subtask's loop) when the last record of an input file was read. A closure:
   * only called when the job runs on the main event loop (`workers: 1`).
   */
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

/** The job module of the demo (next to this file: `.ts` from source, `.js` when built). */
const DEMO_JOB_MODULE = new URL(
  `./demo-job-module.${new URL(import.meta.url).pathname.endsWith('.ts') ? 'ts' : 'js'}`,
  import.meta.url,
);

/**
 * Starts the demo job: CSV files → validate and convert → valid orders to Parquet partitioned by
 * `date=YYYY-MM-DD`, rejected rows to a JSON Lines dead-letter file, both exactly-once. Starting
 * it again with the same checkpoint directory resumes from the latest checkpoint. Its subtasks
 * run in worker threads (one per core) unless `workers` is 1.
 */
export async function startDemoJob(paths: DemoPaths, options: DemoJobOptions): Promise<JobClient> {
  const workers = options.workers ?? 'auto';
  const job =
    workers === 1
      ? buildDemoJob(paths, options.onFileDone)
      : await loadJob(DEMO_JOB_MODULE, { paths } satisfies DemoJobParams);
  return job.start(
    {
      jobName: options.jobName ?? DEMO_JOB_NAME,
      parallelism: options.parallelism,
      workers,
      checkpointing: { intervalMs: options.checkpointIntervalMs, directory: paths.checkpoints },
      // #region metrics-port-flag
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
      // #endregion metrics-port-flag
    },
    { logger: silentLogger },
  );
}

/** What the demo's job module builds the job from (plain data: it travels to every worker). */
export interface DemoJobParams {
  readonly paths: DemoPaths;
}

/** The demo pipeline; `onFileDone` is called when the last record of an input file was read. */
export function buildDemoJob(paths: DemoPaths, onFileDone?: (path: string) => void): Job {
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
      if (row.position.offset === row.size) onFileDone?.(row.path);
      const record = toDemoRecord(row as FileRecord<string[]>);
      if (record !== null) ctx.emit(record);
    }, 'validate')
    .sinkTo(sink, { name: 'parquet+dead-letter' });
}
