import { z } from 'zod';
import { defineOptions } from '../config/options.js';

const restartStrategySchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('none') }).describe('Fail the job on the first error.'),
    z
      .object({
        type: z.literal('fixed-delay'),
        attempts: z.number().int().min(1).default(3).describe('Restarts before the job fails.'),
        delayMs: z.number().int().min(0).default(1000).describe('Wait before each restart.'),
      })
      .describe('Restart a bounded number of times with a fixed delay.'),
    z
      .object({
        type: z.literal('exponential-backoff'),
        maxAttempts: z.number().int().min(1).default(10).describe('Restarts before the job fails.'),
        initialDelayMs: z.number().int().min(0).default(500).describe('Delay before the first restart.'),
        maxDelayMs: z.number().int().min(0).default(60_000).describe('Upper bound of the delay.'),
        multiplier: z.number().min(1).default(2).describe('Delay growth per restart.'),
        resetAfterMs: z
          .number()
          .int()
          .min(0)
          .default(300_000)
          .describe('A run this long without failure resets the attempt count.'),
      })
      .describe('Restart with exponentially growing delays.'),
  ])
  .describe('What to do when a running job fails.');

export type RestartStrategyOptions = z.output<typeof restartStrategySchema>;

const commitRetrySchema = z
  .object({
    maxRetries: z
      .number()
      .int()
      .min(0)
      .default(10)
      .describe('Retries of one committable the committer asked to retry (retryLater) before the job fails.'),
    initialRetryDelayMs: z.number().int().min(0).default(100).describe('Delay before the first retry.'),
    maxRetryDelayMs: z.number().int().min(0).default(10_000).describe('Upper bound of the growing delay.'),
  })
  .strict()
  .default({ maxRetries: 10, initialRetryDelayMs: 100, maxRetryDelayMs: 10_000 })
  .describe('Retry budget of the commit step.');

const checkpointingSchema = z
  .object({
    intervalMs: z
      .number()
      .int()
      .min(10)
      .optional()
      .describe('Take a checkpoint this often. Unset: only the final checkpoint of bounded jobs.'),
    directory: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Checkpoint directory. Unset: checkpoints live in memory (no restore after a process crash).',
      ),
    mode: z
      .literal('exactly-once')
      .default('exactly-once')
      .describe(
        "Checkpointing guarantee. Only 'exactly-once': barriers are aligned by construction (no shuffles), so an unaligned 'at-least-once' mode would change nothing; the delivery guarantee is the sink's option.",
      ),
    retainedCheckpoints: z.number().int().min(1).default(3).describe('Completed checkpoints kept on disk.'),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .default(120_000)
      .describe(
        'A checkpoint not acknowledged by every subtask by then is aborted (its storing is not timed).',
      ),
    minPauseBetweenMs: z.number().int().min(0).default(0).describe('Minimum pause between two checkpoints.'),
    tolerableFailedCheckpoints: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe('Consecutive failed checkpoints tolerated before the job fails.'),
    commitRetry: commitRetrySchema,
  })
  .strict()
  .default({
    mode: 'exactly-once',
    retainedCheckpoints: 3,
    timeoutMs: 120_000,
    minPauseBetweenMs: 0,
    tolerableFailedCheckpoints: 3,
    commitRetry: { maxRetries: 10, initialRetryDelayMs: 100, maxRetryDelayMs: 10_000 },
  });

const workersSchema = z
  .union([
    z.literal('auto'),
    z.number().int().min(1).max(1024),
    z.object({ threads: z.number().int().min(1).max(1024) }).strict(),
    z.object({ processes: z.number().int().min(1).max(1024) }).strict(),
  ])
  .default('auto')
  .describe(
    "Where subtasks run. 'auto': one worker thread per available core, capped by parallelism (one core, or a pipeline built inline instead of loaded from a job module: the main event loop). A number: that many worker threads (1: the main event loop). { threads: n }: n worker threads even for n = 1. { processes: n }: n child processes over IPC. Workers need a job loaded with loadJob (see defineJob).",
  );

const workerResourceLimitsSchema = z
  .object({
    maxOldGenerationSizeMb: z.number().int().min(16).optional().describe('Heap limit of each worker (MB).'),
    maxYoungGenerationSizeMb: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Young-generation limit of each worker thread (MB; threads only).'),
    stackSizeMb: z
      .number()
      .min(1)
      .optional()
      .describe('Stack size of each worker thread (MB; threads only).'),
  })
  .strict()
  .optional()
  .describe(
    'Memory limits per worker (Node resourceLimits). A worker that runs out of memory fails the attempt, which restarts from the last checkpoint.',
  );

/** Options of one job run. */
export const JobOptions = defineOptions(
  'job',
  z
    .object({
      jobName: z.string().min(1).default('tributary-job').describe('Name used in logs and metric labels.'),
      parallelism: z
        .number()
        .int()
        .min(1)
        .max(1024)
        .default(1)
        .describe(
          'Parallel subtasks (readers → chain → writer). Spread over `workers`; subtasks in one worker run concurrently on its event loop (overlapping I/O, one CPU core per worker).',
        ),
      workers: workersSchema,
      workerResourceLimits: workerResourceLimitsSchema,
      checkpointing: checkpointingSchema,
      restartStrategy: restartStrategySchema.default({ type: 'none' }),
      restoreFrom: z
        .string()
        .optional()
        .describe(
          "Start from this savepoint/checkpoint directory. A different path than the one the checkpoint directory's current run started from wins (a new lineage, recorded in job.json); the same path again resumes from the latest checkpoint taken since (a rerun after a crash).",
        ),
      autoWatermarkIntervalMs: z
        .number()
        .int()
        .min(1)
        .default(200)
        .describe('How often watermark generators emit periodically.'),
      maxBatchesPerYield: z
        .number()
        .int()
        .min(1)
        .default(16)
        .describe(
          'Reader polls (with or without data) a subtask makes before yielding to the event loop, so timers and I/O run even when a source never waits.',
        ),
      contractChecks: z
        .enum(['off', 'warn', 'fail'])
        .default('warn')
        .describe(
          'What to do when a connector breaks the reader contract (e.g. data waiting while isAvailable() stays pending).',
        ),
      availabilityProbeMs: z
        .number()
        .int()
        .min(10)
        .default(2000)
        .describe('A reader whose isAvailable() stays pending this long is probed with pollNext.'),
      dashboard: z
        .object({
          port: z
            .number()
            .int()
            .min(0)
            .max(65_535)
            .default(0)
            .describe(
              'Port on 127.0.0.1; 0 picks a free one (read the URL from `await client.dashboard()`).',
            ),
          savepointDirectory: z
            .string()
            .min(1)
            .default('.tributary/savepoints')
            .describe("Where the dashboard's savepoint and stop buttons put savepoints."),
        })
        .strict()
        .optional()
        .describe(
          "Serve the job's web dashboard on 127.0.0.1 (pipeline, per-subtask rates and backpressure, checkpoints, errors, savepoint and stop buttons). Set: the runtime loads the optional package @tributary/cli and serves it while the job runs.",
        ),
      metrics: z
        .looseObject({})
        .optional()
        .describe(
          'Reporter config, see @tributary/metrics (`{ prometheus: { port }, otlp: { url }, console: {} }`). Set: the runtime loads that optional package and runs the reporters with the job.',
        ),
    })
    .strict(),
);

export type JobOptionsInput = z.input<typeof JobOptions.schema>;
export type ResolvedJobOptions = z.output<typeof JobOptions.schema>;
