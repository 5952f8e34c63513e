import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { sleep } from '@tributary/core';

/** A process the harness started in its own process group, as recorded in a state file. */
export interface ProcessRecord {
  readonly pid: number;
  /** Process group id; equal to `pid` because the process is started detached (a group leader). */
  readonly pgid: number;
  /**
   * The kernel's start time of `pid` (clock ticks since boot, `/proc/<pid>/stat` field 22), so a
   * recycled pid is never mistaken for our server. Undefined where `/proc` is unavailable.
   */
  readonly startTicks?: string;
  /** The command line, for humans reading `pnpm services status`. */
  readonly command: string;
}

/** What to start; stdout and stderr both go (appended) to `logFile`. */
export interface SpawnDetachedOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Run as this user/group (the harness must be root); for servers that refuse to run as root. */
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * Starts a server in its own process group (`detached`), with output going to a log file and no
 * handle keeping the caller's event loop alive. Its own group lets {@link killProcessGroup} end
 * the server and every child it forked, and lets the server outlive the test run for reuse.
 */
export function spawnDetached(options: SpawnDetachedOptions): ProcessRecord & { exited: () => boolean } {
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    });
    if (child.pid === undefined) {
      throw new Error(`Could not start ${options.command}: no pid (is it installed and on PATH?)`);
    }
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    child.once('error', () => {
      exited = true;
    });
    child.unref();
    const startTicks = processStartTicks(child.pid);
    return {
      pid: child.pid,
      pgid: child.pid,
      ...(startTicks === undefined ? {} : { startTicks }),
      command: [options.command, ...options.args].join(' '),
      exited: () => exited || !isProcessAlive(child.pid ?? 0),
    };
  } finally {
    closeSync(fd);
  }
}

/** Field 22 of `/proc/<pid>/stat` (start time), or undefined without `/proc` or process. */
export function processStartTicks(pid: number): string | undefined {
  const stat = readStat(pid);
  return stat?.fields[19];
}

/** True when `pid` exists and is not a zombie. */
export function isProcessAlive(pid: number): boolean {
  if (pid <= 0) return false;
  const stat = readStat(pid);
  if (stat !== undefined) return stat.state !== 'Z' && stat.state !== 'X';
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the recorded process is still the same, living process (not a recycled pid). */
export function isRecordedProcessAlive(record: ProcessRecord): boolean {
  if (!isProcessAlive(record.pid)) return false;
  return record.startTicks === undefined || processStartTicks(record.pid) === record.startTicks;
}

/** Live (non-zombie) members of process group `pgid`. */
export function processGroupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    // No /proc (macOS): ask the kernel whether the group has any member at all.
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  const members: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat !== undefined && stat.fields[2] === String(pgid) && stat.state !== 'Z' && stat.state !== 'X') {
      members.push(pid);
    }
  }
  return members;
}

/**
 * Ends a whole process group: SIGTERM, wait up to `graceMs` for every member to exit, then
 * SIGKILL and wait again. Resolves once no live member is left; never throws for an empty group.
 */
export async function killProcessGroup(pgid: number, graceMs = 15_000): Promise<void> {
  if (pgid <= 1) throw new Error(`Refusing to signal process group ${pgid}`);
  if (processGroupMembers(pgid).length === 0) return;
  signalGroup(pgid, 'SIGTERM');
  if (await waitForEmptyGroup(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  if (await waitForEmptyGroup(pgid, 10_000)) return;
  throw new Error(
    `Process group ${pgid} still has members after SIGKILL: ${processGroupMembers(pgid).join(', ')}`,
  );
}

/**
 * An orderly shutdown: sends `signal` to the group leader only (a server that shuts its own
 * workers down, such as PostgreSQL's fast shutdown on SIGINT), waits up to `graceMs` for the whole
 * group to exit, then ends what is left like {@link killProcessGroup}.
 */
export async function shutdownProcessGroup(
  pgid: number,
  signal: NodeJS.Signals,
  graceMs = 30_000,
): Promise<void> {
  if (pgid <= 1) throw new Error(`Refusing to signal process group ${pgid}`);
  if (processGroupMembers(pgid).length === 0) return;
  try {
    process.kill(pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
  if (await waitForEmptyGroup(pgid, graceMs)) return;
  await killProcessGroup(pgid, 5_000);
}

/**
 * SIGKILL to every member of the group at once, as a crash or the OOM killer would end a server
 * (no shutdown work at all). Resolves once no member is left.
 */
export async function crashProcessGroup(pgid: number): Promise<void> {
  if (pgid <= 1) throw new Error(`Refusing to signal process group ${pgid}`);
  signalGroup(pgid, 'SIGKILL');
  if (await waitForEmptyGroup(pgid, 10_000)) return;
  throw new Error(
    `Process group ${pgid} still has members after SIGKILL: ${processGroupMembers(pgid).join(', ')}`,
  );
}

/** The last `lines` lines of a log file ('' when it does not exist). */
export function tailFile(path: string, lines = 40): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function waitForEmptyGroup(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let interval = 25;
  while (Date.now() < deadline) {
    if (processGroupMembers(pgid).length === 0) {
      await waitForReaping(pgid, Math.min(2_000, Math.max(0, deadline - Date.now())));
      return true;
    }
    await sleep(interval);
    interval = Math.min(500, interval * 2);
  }
  return processGroupMembers(pgid).length === 0;
}

/**
 * Gives the parent (often init, when the starter exited long ago) a moment to reap the exited
 * members, so `ps` right after `down` shows no `<defunct>` entries. Best effort: a zombie holds
 * no memory or ports, and the group already counts as empty.
 */
async function waitForReaping(pgid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && existsSync(`/proc/${pgid}`)) await sleep(50);
}

interface Stat {
  readonly state: string;
  /** Fields after the command name: index 0 is field 3 (state), 2 is field 5 (pgrp), 19 is field 22. */
  readonly fields: readonly string[];
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', fields };
}
