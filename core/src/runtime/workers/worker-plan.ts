import { availableParallelism } from 'node:os';
import { CoreErrorCodes } from '../../errors/error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { Logger } from '../../logging/logger.js';
import type { ResolvedJobOptions } from '../job-options.js';
import type { JobOrigin } from './job-module.js';

/** Where a job's subtasks run, decided once per job from the `workers` option. */
export type WorkerPlan =
  | { readonly mode: 'local' }
  | {
      readonly mode: 'threads' | 'processes';
      readonly count: number;
      readonly origin: JobOrigin;
      readonly resourceLimits: ResolvedJobOptions['workerResourceLimits'];
    };

/**
 * Resolves `workers`: `'auto'` is the available parallelism capped by `parallelism` (1: the single
 * loop); a number above 1, `{ threads }` and `{ processes }` run subtasks in workers. A pipeline
 * built inline (no job module) can only run on the main loop: `'auto'` falls back to it with a
 * log line, an explicit worker count is an error.
 */
export function resolveWorkerPlan(
  options: ResolvedJobOptions,
  origin: JobOrigin | undefined,
  logger: Logger,
  cores: number = availableParallelism(),
): WorkerPlan {
  const { workers, parallelism } = options;
  const requested =
    workers === 'auto'
      ? { mode: 'threads' as const, count: Math.min(cores, parallelism), forced: false }
      : typeof workers === 'number'
        ? { mode: 'threads' as const, count: workers, forced: false }
        : 'processes' in workers
          ? { mode: 'processes' as const, count: workers.processes, forced: true }
          : { mode: 'threads' as const, count: workers.threads, forced: true };
  if (!origin) {
    if (workers === 'auto' || (typeof workers === 'number' && workers === 1)) {
      if (workers === 'auto' && requested.count > 1) {
        logger.info(
          { workers: 1, parallelism, cores },
          "workers: 'auto' runs every subtask on the main event loop: the pipeline was built inline, and workers can only build a job from a module (defineJob + loadJob)",
        );
      }
      return { mode: 'local' };
    }
    throw new TributaryError(
      CoreErrorCodes.INVALID_OPTIONS,
      `Job option workers: ${JSON.stringify(workers)} needs a job loaded from a module: this pipeline was built inline, and its functions cannot be sent to worker threads or processes. Export it from a module with \`export default defineJob((params) => Pipeline.from(...).sinkTo(...))\` and start it with \`(await loadJob(moduleUrl, params)).start(options)\`, or set workers: 1 (or 'auto') to run on the main event loop.`,
      { context: { key: 'workers', workers } },
    );
  }
  const count = Math.min(requested.count, parallelism);
  if (count < requested.count) {
    logger.info(
      { requested: requested.count, workers: count, parallelism },
      'fewer workers than asked: a worker needs at least one subtask (workers are capped by parallelism)',
    );
  }
  if (count <= 1 && !requested.forced) {
    if (workers === 'auto' && parallelism > 1) {
      logger.info({ workers: 1, cores }, "workers: 'auto' runs on the main event loop: one core available");
    }
    return { mode: 'local' };
  }
  return {
    mode: requested.mode,
    count,
    origin,
    resourceLimits: options.workerResourceLimits,
  };
}

/** Which worker runs a subtask: round-robin, so each worker gets ⌈parallelism / workers⌉ at most. */
export function workerOfSubtask(subtask: number, workers: number): number {
  return subtask % workers;
}
