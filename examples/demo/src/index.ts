/**
 * @tributary/example-demo — the job `pnpm demo` runs: CSV orders to date-partitioned Parquet with
 * a JSON Lines dead-letter output, exactly-once and resumable.
 */

export {
  type BadRowKind,
  type DatasetManifest,
  type DatasetOptions,
  DEFAULT_DATASET,
  ensureDataset,
  ORDER_CSV_COLUMNS,
  readManifest,
} from './demo-dataset.js';
export {
  type DemoJobOptions,
  type DemoPaths,
  demoPaths,
  ORDER_PARQUET_COLUMNS,
  startDemoJob,
} from './demo-job.js';
export { type DemoOutputStats, listVisibleFiles, readOutputStats } from './demo-output.js';
export { type DemoRunOptions, type DemoRunResult, runDemo } from './demo-runner.js';
export { type DeadLetter, type DemoRecord, isDeadLetter, type Order, toDemoRecord } from './order-records.js';
export {
  ProgressReporter,
  type ProgressSample,
  type ProgressTarget,
  sampleMetrics,
} from './progress-reporter.js';
