import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A job's control endpoint as the `tributary` commands find it. */
export interface RunningJob {
  readonly pid: number;
  readonly jobName: string;
  readonly file: string;
  readonly url: string;
  /** Required on control requests; the file is readable by its owner only. */
  readonly token: string;
  readonly startedAt: number;
}

/** Where running jobs register (per user): `$TRIBUTARY_STATE_DIR` or `<tmp>/tributary-<uid>/jobs`. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRIBUTARY_STATE_DIR ?? join(tmpdir(), `tributary-${process.getuid?.() ?? 'user'}`, 'jobs');
}

/** Registers this process's job; returns the function that removes the entry. */
export function registerRunningJob(job: RunningJob, dir = stateDir()): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${job.pid}.json`);
  writeFileSync(path, JSON.stringify(job), { mode: 0o600 });
  return () => rmSync(path, { force: true });
}

/** Jobs registered by live processes (entries of dead processes are removed). */
export function listRunningJobs(dir = stateDir()): RunningJob[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const jobs: RunningJob[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const job = JSON.parse(readFileSync(path, 'utf8')) as RunningJob;
      if (isAlive(job.pid)) jobs.push(job);
      else rmSync(path, { force: true });
    } catch {
      // A half-written entry of a starting job: skip it this time.
    }
  }
  return jobs.sort((a, b) => a.startedAt - b.startedAt);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
