import { pathToFileURL } from 'node:url';
import { CoreErrorCodes } from '../../errors/error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { Job } from '../pipeline.js';

const JOB_MODULE = Symbol.for('tributary.jobModule');

/**
 * A job defined in a module, so that worker threads and processes can build the same pipeline:
 * closures cannot cross threads, but a module URL and JSON-like `params` can.
 *
 * ```ts
 * // job.ts
 * export default defineJob((params: { input: string }) => Pipeline.from(...).sinkTo(...));
 * // main.ts
 * const job = await loadJob(new URL('./job.ts', import.meta.url), { input: 'orders.csv' });
 * await job.execute({ parallelism: 4, workers: 'auto' });
 * ```
 */
export interface JobModule<P = undefined> {
  readonly [JOB_MODULE]: true;
  build(params: P): Job | Promise<Job>;
}

/** Where a job came from: what each worker imports to build it again. */
export interface JobOrigin {
  /** `file:` URL of the job module. */
  readonly url: string;
  /** Passed to the module's build function in every thread (structured-clone-able data). */
  readonly params: unknown;
}

/** Declares a job module: its default export builds the pipeline from `params`. */
export function defineJob<P = undefined>(build: (params: P) => Job | Promise<Job>): JobModule<P> {
  return { [JOB_MODULE]: true, build };
}

function isJobModule(value: unknown): value is JobModule<unknown> {
  return typeof value === 'object' && value !== null && (value as JobModule<unknown>)[JOB_MODULE] === true;
}

/** Normalizes a module location (URL, `file:` URL string or absolute path) to a `file:` URL string. */
export function jobModuleUrl(location: string | URL): string {
  if (location instanceof URL) return location.href;
  return location.startsWith('file:') ? location : pathToFileURL(location).href;
}

/**
 * Imports a job module and builds its job; the job remembers its origin, so `start()` can spread
 * its subtasks over workers (job option `workers`).
 */
export async function loadJob<P>(location: string | URL, params?: P): Promise<Job> {
  const origin: JobOrigin = { url: jobModuleUrl(location), params };
  const graph = await buildGraphFrom(origin);
  return new Job(graph, origin);
}

/** Imports the module of `origin` and builds the job graph (the main thread and every worker). */
export async function buildGraphFrom(origin: JobOrigin): Promise<Job['graph']> {
  const loaded = (await import(origin.url)) as { default?: unknown };
  if (!isJobModule(loaded.default)) {
    throw new TributaryError(
      CoreErrorCodes.INVALID_OPTIONS,
      `Job module ${origin.url} has no default export made with defineJob(...): export default defineJob((params) => Pipeline.from(...).sinkTo(...))`,
      { context: { module: origin.url } },
    );
  }
  const job = await loaded.default.build(origin.params);
  if (!(job instanceof Job)) {
    throw new TributaryError(
      CoreErrorCodes.INVALID_OPTIONS,
      `The build function of job module ${origin.url} must return a Job (Pipeline.from(...).sinkTo(...))`,
      { context: { module: origin.url } },
    );
  }
  return job.graph;
}
