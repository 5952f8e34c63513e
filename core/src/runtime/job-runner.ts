import { resolve as resolvePath } from 'node:path';
import { CoreErrorCodes } from '../errors/error-codes.js';
import { TributaryError, toError } from '../errors/tributary-error.js';
import { createJsonLogger, type Logger } from '../logging/logger.js';
import { JobMetricGroup } from '../metrics/metric-groups.js';
import { MetricRegistry } from '../metrics/metric-registry.js';
import type { MetricReporter, MetricReporterStopContext } from '../metrics/metric-reporter.js';
import { ProcessMetricGroup } from '../metrics/process-metric-group.js';
import { sleep } from '../retry/retry.js';
import {
  type CheckpointData,
  type CheckpointStorage,
  FileCheckpointStorage,
  loadCheckpointDir,
  MemoryCheckpointStorage,
} from './checkpoint-storage.js';
import { type JobDashboard, startJobDashboard } from './dashboard-loader.js';
import { type AttemptOutcome, JobAttempt } from './job-attempt.js';
import { type JobEvent, type JobEventOf, JobEvents, type JobEventType } from './job-events.js';
import type { JobGraph } from './job-graph.js';
import { JobOptions, type JobOptionsInput, type ResolvedJobOptions } from './job-options.js';
import { loadMetricReporters } from './metric-reporters-loader.js';
import { emitPhaseMarker } from './phase-markers.js';
import { createRestartStrategy } from './restart-strategy.js';
import type { JobOrigin } from './workers/job-module.js';
import { resolveWorkerPlan } from './workers/worker-plan.js';

/** Things a job uses that are objects, not options: logger and metrics. */
export interface JobEnvironment {
  readonly logger?: Logger;
  /** Registry the job's metric groups register into (create one to read metrics in tests). */
  readonly metricRegistry?: MetricRegistry;
  /** Reporters started with the job and stopped after it (see `@tributary/metrics`). */
  readonly metricReporters?: readonly MetricReporter[];
  /**
   * Where checkpoints live, when neither a local directory (`checkpointing.directory`) nor memory
   * fits (e.g. object storage). Wins over `checkpointing.directory`.
   */
  readonly checkpointStorage?: CheckpointStorage;
}

export type JobStatus =
  | 'initializing'
  | 'running'
  | 'restarting'
  | 'finished'
  | 'stopped'
  | 'cancelled'
  | 'failed';

export interface JobResult {
  readonly jobId: string;
  readonly status: 'finished' | 'stopped' | 'cancelled';
  /** Where the job resumed from, if it restored. */
  readonly restoredFromCheckpointId: number | undefined;
  readonly restarts: number;
  readonly completedCheckpoints: number;
  readonly lastCheckpointId: number | undefined;
  /** For stop-with-savepoint: where the savepoint is. */
  readonly savepointPath: string | undefined;
  readonly durationMs: number;
  /** Where the subtasks ran: the main event loop (`local`, one loop), or `count` worker threads or processes. */
  readonly workers: { readonly mode: 'local' | 'threads' | 'processes'; readonly count: number };
}

/** A running job. */
export interface JobClient extends AsyncDisposable {
  /** Settles when the job ends; rejects with `TRIB_JOB_FAILED` when it failed for good. */
  readonly result: Promise<JobResult>;
  readonly metrics: MetricRegistry;
  /**
   * The job's started reporters (`metricReporters` of the environment, then those of the job
   * option `metrics`), once they run; e.g. find the `PrometheusReporter` to read the `url` of a
   * `port: 0` endpoint. Rejects if they could not start (the job fails with the same error).
   */
  metricReporters(): Promise<readonly MetricReporter[]>;
  /**
   * The web dashboard of the job option `dashboard` once it serves (`url`), or undefined without
   * that option. Rejects if it could not start (the job fails with the same error).
   */
  dashboard(): Promise<JobDashboard | undefined>;
  status(): JobStatus;
  /** Takes a savepoint into `directory` and returns its path; the job goes on. */
  triggerSavepoint(directory: string): Promise<string>;
  /** Takes a savepoint and stops. With `drain`, sinks flush as at end of input first. */
  stopWithSavepoint(options: { readonly directory: string; readonly drain?: boolean }): Promise<string>;
  /** Stops without a savepoint. */
  cancel(): Promise<void>;
  /**
   * Calls `listener` for each event of `type` (`'*'`: all): checkpointCompleted, checkpointFailed,
   * restored, running, restarting, finished, failed. Returns the unsubscribe function.
   */
  on<K extends JobEventType>(type: K | '*', listener: (event: JobEventOf<K>) => void): () => void;
  /** The job's events from now on as an async iterator; it ends after `finished` or `failed`. */
  events(): AsyncIterableIterator<JobEvent>;
}

/** Starts a job graph; the restart loop lives here, one {@link JobAttempt} per run. */
export function startJob(
  graph: JobGraph,
  input: JobOptionsInput = {},
  env: JobEnvironment = {},
  origin?: JobOrigin,
): JobClient {
  const options = JobOptions.parse(input);
  const registry = env.metricRegistry ?? new MetricRegistry();
  const logger = (env.logger ?? createJsonLogger({ level: 'warn' })).child({ job: options.jobName });
  const events = new JobEvents(logger);
  let status: JobStatus = 'initializing';
  let current: JobAttempt | undefined;
  let cancelled = false;
  const cancelSignal = new AbortController();
  /** Savepoint requests made while no attempt exists (starting, restarting). */
  const waiters: { readonly ready: () => void; readonly ended: (error: unknown) => void }[] = [];
  let reportersReady!: (reporters: readonly MetricReporter[]) => void;
  let reportersFailed!: (error: unknown) => void;
  const reportersStarted = new Promise<readonly MetricReporter[]>((resolve, reject) => {
    reportersReady = resolve;
    reportersFailed = reject;
  });
  reportersStarted.catch(() => undefined);
  let dashboardReady!: (dashboard: JobDashboard | undefined) => void;
  let dashboardFailed!: (error: unknown) => void;
  const dashboardStarted = new Promise<JobDashboard | undefined>((resolve, reject) => {
    dashboardReady = resolve;
    dashboardFailed = reject;
  });
  dashboardStarted.catch(() => undefined);
  // The dashboard needs the client, which is built after the job's run loop has started.
  let provideClient!: (client: JobClient) => void;
  const clientBuilt = new Promise<JobClient>((resolve) => {
    provideClient = resolve;
  });
  const attemptReady = () =>
    current
      ? Promise.resolve(current)
      : new Promise<JobAttempt>((resolve, reject) =>
          waiters.push({ ready: () => resolve(current as JobAttempt), ended: reject }),
        );

  const result = (async (): Promise<JobResult> => {
    const started = Date.now();
    const storage: CheckpointStorage =
      env.checkpointStorage ??
      (options.checkpointing.directory
        ? new FileCheckpointStorage(options.checkpointing.directory, logger)
        : new MemoryCheckpointStorage());
    // Decided before anything starts: an explicit worker count for an inline pipeline fails here.
    const workerPlan = resolveWorkerPlan(options, origin, logger);
    const jobId = await storage.jobId();
    const lineage = await resolveLineage(storage, options, logger);
    const jobMetrics = new JobMetricGroup(registry, { job: options.jobName });
    const restart = createRestartStrategy(options.restartStrategy);
    // Lives as long as the job (not one attempt): lag and heap matter most around restarts. The
    // extra `scope` label lets close() remove only these gauges: the job's own metrics stay
    // readable in the registry after the job ends.
    const processMetrics = new ProcessMetricGroup(registry, { job: options.jobName, scope: 'process' });
    const reporters: MetricReporter[] = [];
    let restarts = 0;
    let firstRestore: number | undefined;
    /** The job's result, announced as the `finished` event. */
    const finishWith = (outcome: AttemptOutcome): JobResult => {
      const jobResult: JobResult = {
        jobId,
        status: outcome.kind,
        restoredFromCheckpointId: firstRestore,
        restarts,
        completedCheckpoints: jobMetrics.numberOfCompletedCheckpoints.count,
        lastCheckpointId: jobMetrics.lastCompletedCheckpointId,
        savepointPath: outcome.kind === 'stopped' ? outcome.savepointPath : undefined,
        durationMs: Date.now() - started,
        workers:
          workerPlan.mode === 'local'
            ? { mode: 'local', count: 1 }
            : { mode: workerPlan.mode, count: workerPlan.count },
      };
      events.emit({
        type: 'finished',
        status: jobResult.status,
        lastCheckpointId: jobResult.lastCheckpointId,
        savepointPath: jobResult.savepointPath,
      });
      return jobResult;
    };
    try {
      try {
        const fromOption = options.metrics ? await loadMetricReporters(options.metrics, logger) : [];
        for (const reporter of [...(env.metricReporters ?? []), ...fromOption]) {
          await reporter.start(registry);
          reporters.push(reporter);
        }
        reportersReady(reporters);
      } catch (error) {
        reportersFailed(error);
        throw error;
      }
      try {
        const { dashboard } = options;
        if (dashboard) {
          dashboardReady(await startJobDashboard(await clientBuilt, graph, { ...options, dashboard }));
        } else {
          dashboardReady(undefined);
        }
      } catch (error) {
        dashboardFailed(error);
        throw error;
      }
      for (let attemptNumber = 0; ; attemptNumber++) {
        const restored = await pickRestorePoint(storage, lineage);
        if (attemptNumber === 0) firstRestore = restored?.checkpointId;
        if (restored) logger.info({ checkpointId: restored.checkpointId, attemptNumber }, 'restoring');
        if (restored) {
          events.emit({
            type: 'restored',
            checkpointId: restored.checkpointId,
            kind: restored.kind,
            attemptNumber,
          });
        }
        await emitPhaseMarker('restored', restored?.checkpointId ?? 0);
        const attempt = new JobAttempt({
          graph,
          options,
          storage,
          restored,
          firstCheckpointId: lineage.firstCheckpointId,
          attemptNumber,
          jobId,
          registry,
          jobMetrics,
          logger,
          events,
          workerPlan,
        });
        current = attempt;
        for (const waiter of waiters.splice(0)) waiter.ready();
        status = 'running';
        if (cancelled) attempt.cancel();
        const attemptStart = Date.now();
        let outcome: AttemptOutcome;
        try {
          outcome = await attempt.run();
        } catch (failure) {
          if (cancelled) {
            outcome = { kind: 'cancelled' };
          } else {
            const delay = restart.nextDelayMs(failure, attemptStart, Date.now());
            if (delay === undefined) {
              status = 'failed';
              throw new TributaryError(
                CoreErrorCodes.JOB_FAILED,
                `Job '${options.jobName}' failed: ${toError(failure).message}`,
                {
                  cause: failure,
                  context: { jobId, restarts },
                },
              );
            }
            restarts++;
            jobMetrics.numRestarts.inc();
            events.emit({ type: 'restarting', restarts, delayMs: delay, error: toError(failure) });
            status = 'restarting';
            logger.warn(
              { err: toError(failure), delayMs: delay, restarts },
              'job failed; restarting from the latest checkpoint',
            );
            current = undefined;
            // A cancel during the delay ends the job now instead of after it.
            await sleep(delay, cancelSignal.signal).catch(() => undefined);
            if (cancelled) {
              status = 'cancelled';
              return finishWith({ kind: 'cancelled' });
            }
            continue;
          }
        }
        status = outcome.kind;
        return finishWith(outcome);
      }
    } catch (error) {
      // Failures before or outside the restart loop (storage, reporters) end the job too.
      events.emit({ type: 'failed', error: toError(error) });
      throw error;
    } finally {
      // A savepoint asked for while no attempt existed must not wait for one that never comes.
      for (const waiter of waiters.splice(0)) {
        waiter.ended(
          new TributaryError(
            CoreErrorCodes.CHECKPOINT_FAILED,
            `Job '${options.jobName}' ended before the savepoint could be taken`,
          ),
        );
      }
      reportersFailed(
        new TributaryError(
          CoreErrorCodes.CLOSED,
          `Job '${options.jobName}' ended before its reporters started`,
        ),
      );
      // The registry holds the final values now (last checkpoint committed): reporters publish them.
      const ending: MetricReporterStopContext = {
        jobStatus:
          status === 'finished' || status === 'stopped' || status === 'cancelled' ? status : 'failed',
      };
      for (const reporter of reporters) await reporter.stop(ending).catch(() => undefined);
      processMetrics.close();
    }
  })();
  // Also settles metricReporters() and dashboard() when the job fails before reaching them.
  result.catch((error: unknown) => {
    reportersFailed(error);
    dashboardFailed(error);
  });

  const client: JobClient = {
    result,
    metrics: registry,
    metricReporters: () => reportersStarted,
    dashboard: () => dashboardStarted,
    status: () => status,
    triggerSavepoint: async (directory) => (await attemptReady()).savepoint(directory, false, false),
    stopWithSavepoint: async ({ directory, drain = false }) =>
      (await attemptReady()).savepoint(directory, true, drain),
    cancel: async () => {
      cancelled = true;
      cancelSignal.abort();
      current?.cancel();
      await result.catch(() => undefined);
    },
    on: (type, listener) => events.on(type, listener),
    events: () => events.events(),
    [Symbol.asyncDispose]: async () => {
      if (status === 'running' || status === 'initializing' || status === 'restarting') await client.cancel();
    },
  };
  provideClient(client);
  return client;
}

/** Which checkpoints this run may restore from, and where its lineage started. */
interface ResolvedLineage {
  /** Checkpoints with a smaller id are from an earlier lineage: never restored. */
  readonly firstCheckpointId: number;
  /** Where the lineage started (restored when it has no checkpoint of its own yet). */
  readonly restoreFrom: string | undefined;
}

/**
 * `restoreFrom` semantics: a path other than the one the storage's current lineage started from
 * starts a new lineage (recorded, with checkpoint ids above every existing one), so a user can roll
 * back to an older savepoint; the same path again (re-running the command after a crash) resumes
 * from the latest checkpoint of the lineage. Without `restoreFrom` the current lineage goes on.
 */
async function resolveLineage(
  storage: CheckpointStorage,
  options: ResolvedJobOptions,
  logger: Logger,
): Promise<ResolvedLineage> {
  const recorded = await storage.lineage?.();
  const requested = options.restoreFrom === undefined ? undefined : resolvePath(options.restoreFrom);
  if (requested === undefined || !storage.recordLineage) {
    return {
      firstCheckpointId: recorded?.firstCheckpointId ?? 0,
      restoreFrom: requested ?? recorded?.restoreFrom,
    };
  }
  if (recorded?.restoreFrom === requested) return recorded;
  const from = await loadCheckpointDir(requested);
  const highest = (await storage.highestCheckpointId?.()) ?? 0;
  const lineage = { restoreFrom: requested, firstCheckpointId: Math.max(highest, from.checkpointId) + 1 };
  if (highest > 0) {
    logger.info(
      { restoreFrom: requested, firstCheckpointId: lineage.firstCheckpointId },
      "restoreFrom differs from where the checkpoint directory's checkpoints started: starting a new lineage from it",
    );
  }
  await storage.recordLineage(lineage);
  return lineage;
}

/** The lineage's latest checkpoint, else the checkpoint or savepoint it started from. */
async function pickRestorePoint(
  storage: CheckpointStorage,
  lineage: ResolvedLineage,
): Promise<CheckpointData | undefined> {
  const latest = await storage.latest(lineage.firstCheckpointId);
  if (latest) return latest;
  return lineage.restoreFrom === undefined ? undefined : loadCheckpointDir(lineage.restoreFrom);
}
