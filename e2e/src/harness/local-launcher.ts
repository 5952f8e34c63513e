import { readFileSync, writeFileSync } from 'node:fs';
import { TributaryError, toError } from '@tributary/core';
import { E2eErrorCodes } from './e2e-errors.js';
import {
  killProcessGroup,
  type ProcessRecord,
  type SpawnDetachedOptions,
  spawnDetached,
  tailFile,
} from './process-group.js';
import type { StartContext } from './service-provider.js';
import type { ConnectionOf, ServiceName } from './service-types.js';
import { waitUntil } from './wait-until.js';

/** One try at starting a local server: what to run and where it will answer. */
export interface LaunchPlan<N extends ServiceName> {
  /** The server command; `logFile` is filled in by the launcher. */
  readonly spawn: Omit<SpawnDetachedOptions, 'logFile'>;
  readonly connection: ConnectionOf<N>;
}

/** Options of {@link launchLocalServer}. */
export interface LaunchLocalServerOptions<N extends ServiceName> {
  readonly name: N;
  readonly context: StartContext;
  /** Readiness deadline per attempt. */
  readonly readyTimeoutMs: number;
  /** Picks ports and writes config for attempt `n` (1-based); fresh ports every time. */
  readonly plan: (attempt: number) => Promise<LaunchPlan<N>>;
  /** The real protocol check; throws while the server is not ready. */
  readonly probe: (connection: ConnectionOf<N>, signal: AbortSignal) => Promise<void>;
  /** Log text meaning "a chosen port was taken meanwhile": retry with new ports. */
  readonly portConflict?: RegExp;
  /** Attempts for port conflicts. Default 3. */
  readonly maxAttempts?: number;
  /** Keep what the log holds (a restart after a crash) instead of truncating it per attempt. */
  readonly appendLog?: boolean;
}

/** A server that passed its readiness probe. */
export interface LaunchedServer<N extends ServiceName> {
  readonly process: ProcessRecord;
  readonly connection: ConnectionOf<N>;
}

const DEFAULT_PORT_CONFLICT = /Address already in use|BindException|EADDRINUSE/;

/**
 * Starts a local server in its own process group and polls its protocol probe to a deadline.
 * The log file is truncated per attempt; if the server exits or misses the deadline, its whole
 * process group is killed and the error carries the log tail. A bind conflict (the free port we
 * picked was taken in between) is retried with new ports.
 */
export async function launchLocalServer<N extends ServiceName>(
  options: LaunchLocalServerOptions<N>,
): Promise<LaunchedServer<N>> {
  const { context } = options;
  const maxAttempts = options.maxAttempts ?? 3;
  const conflict = options.portConflict ?? DEFAULT_PORT_CONFLICT;
  for (let attempt = 1; ; attempt++) {
    const plan = await options.plan(attempt);
    if (options.appendLog !== true) writeFileSync(context.logFile, '');
    const started = Date.now();
    const child = spawnDetached({ ...plan.spawn, logFile: context.logFile });
    try {
      await waitUntil((signal) => options.probe(plan.connection, signal), {
        what: `${options.name} to become ready`,
        timeoutMs: options.readyTimeoutMs,
        failFast: () => (child.exited() ? `the ${options.name} process exited` : undefined),
        diagnostics: () => `--- last lines of ${context.logFile} ---\n${tailFile(context.logFile, 40)}`,
      });
      context.logger.info(
        { service: options.name },
        `ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${child.pid})`,
      );
      const { exited: _exited, ...record } = child;
      return { process: record, connection: plan.connection };
    } catch (error) {
      await killProcessGroup(child.pgid).catch(() => undefined);
      const log = readLog(context.logFile);
      if (attempt < maxAttempts && conflict.test(log)) {
        context.logger.warn(
          { service: options.name },
          `a chosen port was taken meanwhile; retrying (${attempt})`,
        );
        continue;
      }
      throw new TributaryError(
        E2eErrorCodes.SERVICE_START_FAILED,
        `${options.name} did not start: ${toError(error).message}`,
        { cause: error, context: { service: options.name, log: context.logFile } },
      );
    }
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
