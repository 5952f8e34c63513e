import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createJsonLogger, type JobResult } from '@tributary/core';
import { startControlServer } from '../control/control-server.js';
import { registerRunningJob } from '../control/running-jobs.js';
import { JobMonitor, type PipelineShape } from '../monitor/job-monitor.js';
import { startPipeline } from '../pipeline/start-pipeline.js';
import type { InstalledPlugin } from '../plugins/discover-plugins.js';
import { type LogFormat, ProgressPrinter } from '../progress/progress-printer.js';
import { type CliIo, ExitCode, UsageError } from './cli-io.js';
import { loadPipeline } from './load-pipeline.js';

export interface RunArgs {
  readonly file: string | undefined;
  readonly fromSavepoint?: string | undefined;
  readonly savepointDir?: string | undefined;
  readonly ui: boolean;
  readonly uiPort?: number | undefined;
  readonly logFormat: LogFormat;
  readonly quiet: boolean;
}

/** Signals the command reacts to (injectable for tests). */
export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/**
 * `tributary run`: validates the pipeline, starts it, prints progress, serves the control
 * endpoint (and the dashboard with `--ui`) and handles Ctrl-C: the first stops with a savepoint,
 * the second cancels.
 */
export async function runCommand(
  args: RunArgs,
  io: CliIo,
  signals: SignalSource = process,
  plugins?: readonly InstalledPlugin[],
): Promise<number> {
  const pipeline = await loadPipeline(args.file, io.cwd, io.env, plugins);
  let restoreFrom: string | undefined;
  if (args.fromSavepoint !== undefined) {
    restoreFrom = resolve(io.cwd, args.fromSavepoint);
    if (!existsSync(restoreFrom))
      throw new UsageError(`--from-savepoint: ${args.fromSavepoint} does not exist`);
  }
  // `job.dashboard` of the file is `--ui` here: the control server already serves the dashboard
  // (with the pipeline's connector names), so the runtime must not start a second one.
  const fileDashboard = pipeline.jobOptions.dashboard;
  const ui = args.ui || fileDashboard !== undefined;
  const uiPort = args.uiPort ?? fileDashboard?.port;
  const savepointDir = resolve(
    io.cwd,
    args.savepointDir ?? fileDashboard?.savepointDirectory ?? join('.tributary', 'savepoints'),
  );
  const logger = createJsonLogger({ level: 'warn', write: (line) => io.stderr.write(`${line}\n`) });
  const started = startPipeline(
    pipeline,
    { dashboard: undefined, ...(restoreFrom === undefined ? {} : { restoreFrom }) },
    { logger },
  );
  const { client } = started;
  const monitor = new JobMonitor(client, started.jobName, started.shape);
  const printer = new ProgressPrinter(io.stdout, () => monitor.snapshot(), args.logFormat);
  let stopping = false;
  const server = await startControlServer({
    client,
    monitor,
    ui,
    ...(uiPort === undefined ? {} : { port: uiPort }),
    defaultSavepointDir: savepointDir,
    onStop: (directory) => {
      stopping = true;
      printer.note('stopping with a savepoint', { directory });
    },
  });
  const unregister = registerRunningJob({
    pid: process.pid,
    jobName: started.jobName,
    file: resolve(io.cwd, args.file ?? ''),
    url: server.url,
    token: server.token,
    startedAt: Date.now(),
  });
  describeStart(printer, started.shape, started.jobName, ui ? server.url : undefined, restoreFrom);
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1 && !stopping) {
      stopping = true;
      printer.note('stopping with a savepoint (Ctrl-C again to cancel)', { directory: savepointDir });
      client.stopWithSavepoint({ directory: savepointDir }).catch((error: unknown) => {
        monitor.recordError(`stop with savepoint failed: ${(error as Error).message}`);
        printer.note(`stop with savepoint failed: ${(error as Error).message}; cancelling`);
        void client.cancel();
      });
    } else {
      printer.note('cancelling (no savepoint)');
      void client.cancel();
    }
  };
  signals.on('SIGINT', onInterrupt);
  signals.on('SIGTERM', onInterrupt);
  if (!args.quiet) printer.start();
  let result: JobResult | undefined;
  let failure: unknown;
  try {
    result = await client.result;
  } catch (error) {
    failure = error;
  } finally {
    signals.off('SIGINT', onInterrupt);
    signals.off('SIGTERM', onInterrupt);
    printer.stop();
    if (!args.quiet) printer.print();
    unregister();
    await server.close();
    monitor.close();
  }
  if (failure !== undefined || result === undefined) {
    printer.note(`job failed: ${messageOf(failure)}`);
    return ExitCode.failed;
  }
  return summarize(printer, result, args.file ?? '');
}

function describeStart(
  printer: ProgressPrinter,
  shape: PipelineShape,
  jobName: string,
  dashboard: string | undefined,
  restoreFrom: string | undefined,
): void {
  const chain = [shape.source.name, ...shape.operators, shape.sink.name].join(' -> ');
  printer.note(`job ${jobName} started: ${chain} (parallelism ${shape.parallelism})`, {
    ...(restoreFrom === undefined ? {} : { restoredFrom: restoreFrom }),
  });
  if (dashboard !== undefined) printer.note(`dashboard: ${dashboard}`, { dashboard });
}

function summarize(printer: ProgressPrinter, result: JobResult, file: string): number {
  const fields = {
    status: result.status,
    checkpoints: result.completedCheckpoints,
    durationMs: result.durationMs,
    ...(result.savepointPath === undefined ? {} : { savepoint: result.savepointPath }),
  };
  if (result.status === 'stopped' && result.savepointPath !== undefined) {
    printer.note(`stopped with savepoint ${result.savepointPath}`, fields);
    printer.note(`resume with: tributary run ${file} --from-savepoint ${result.savepointPath}`);
    return ExitCode.ok;
  }
  if (result.status === 'cancelled') {
    printer.note('job cancelled', fields);
    return ExitCode.interrupted;
  }
  printer.note(`job ${result.status}`, fields);
  return ExitCode.ok;
}

function messageOf(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string } } | undefined;
  const cause = e?.cause?.message;
  return `${e?.message ?? String(error)}${cause && !e?.message?.includes(cause) ? `: ${cause}` : ''}`;
}
