import { resolve } from 'node:path';
import { listRunningJobs, type RunningJob } from '../control/running-jobs.js';
import { type CliIo, ExitCode, UsageError } from './cli-io.js';

/** `tributary savepoint [dir]` and `tributary stop [--savepoint dir | --no-savepoint]`. */
export async function controlCommand(
  args: {
    readonly action: 'savepoint' | 'stop';
    readonly directory: string | undefined;
    readonly savepoint: boolean;
    readonly job: string | undefined;
  },
  io: CliIo,
): Promise<number> {
  const job = pickJob(listRunningJobs(), args.job);
  const body: Record<string, unknown> = {};
  if (args.directory !== undefined) body.directory = resolve(io.cwd, args.directory);
  if (args.action === 'stop') body.savepoint = args.savepoint;
  const res = await fetch(new URL(args.action === 'savepoint' ? 'api/savepoint' : 'api/stop', job.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tributary-token': job.token },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { path?: string; error?: string; cancelled?: boolean };
  if (!res.ok) {
    io.stderr.write(
      `tributary: ${args.action} of job ${job.jobName} failed: ${answer.error ?? res.status}\n`,
    );
    return ExitCode.failed;
  }
  if (answer.cancelled) io.stdout.write(`job ${job.jobName} cancelled\n`);
  else io.stdout.write(`${answer.path}\n`);
  return ExitCode.ok;
}

function pickJob(jobs: readonly RunningJob[], name: string | undefined): RunningJob {
  const matching =
    name === undefined ? jobs : jobs.filter((j) => j.jobName === name || String(j.pid) === name);
  if (matching.length === 1 && matching[0]) return matching[0];
  if (matching.length === 0) {
    throw new UsageError(
      name === undefined
        ? 'no running tributary job found'
        : `no running job named '${name}' (running: ${jobs.map((j) => j.jobName).join(', ') || 'none'})`,
    );
  }
  throw new UsageError(
    `several jobs are running, pick one with --job: ${matching.map((j) => `${j.jobName} (pid ${j.pid})`).join(', ')}`,
  );
}
