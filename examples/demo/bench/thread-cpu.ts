import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time per thread of this process, from Linux's /proc/self/task (undefined elsewhere), so a
 * bench can say which threads spent the CPU: the event loop, worker threads, or the helper threads
 * every Node process has (V8's platform pool: parallel scavenges, concurrent marking and JIT
 * compilation; libuv's pool: file system calls).
 */
export type ThreadCpu = ReadonlyMap<number, number>;

/** Milliseconds of CPU (user + system) per thread id, or undefined when /proc is not there. */
export function readThreadCpu(): ThreadCpu | undefined {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
  const cpu = new Map<number, number>();
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / ticksPerMs);
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return cpu;
}

/** Where a job's CPU went between two readings, in ms. */
export interface CpuSplit {
  /** The main thread (the single event loop at `workers: 1`, the coordinator otherwise). */
  readonly main: number;
  /** Threads that existed before the job (V8's GC and JIT helpers, libuv's pool). */
  readonly helpers: number;
  /** Threads the job started (worker threads): whatever the process spent beyond the others. */
  readonly workers: number;
}

/**
 * Splits `totalMs` (process CPU between the readings) by thread. Threads started by the job may be
 * gone by the second reading (workers end with the job), so their share is the rest.
 */
export function splitCpu(before: ThreadCpu, after: ThreadCpu, totalMs: number): CpuSplit {
  const main = (after.get(process.pid) ?? 0) - (before.get(process.pid) ?? 0);
  let helpers = 0;
  for (const [tid, ms] of before) {
    if (tid !== process.pid) helpers += (after.get(tid) ?? ms) - ms;
  }
  return { main, helpers, workers: Math.max(0, totalMs - main - helpers) };
}
