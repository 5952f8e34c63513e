import { readFileSync } from 'node:fs';

/** CPU and memory of one process, as the peer jobs report them at their end. */
export interface ProcessStats {
  /** utime + stime, ms. */
  readonly cpuMs: number;
  /** Peak resident set (VmHWM), KiB. */
  readonly peakRssKb: number;
}

/** This process's CPU time and peak RSS from /proc (the same source the Flink job reads). */
export function processStats(): ProcessStats {
  const stat = readFileSync('/proc/self/stat', 'ascii');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  const ticks = Number(fields[11]) + Number(fields[12]);
  const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'ascii'));
  return { cpuMs: ticks * 10, peakRssKb: Number(hwm?.[1] ?? 0) };
}
