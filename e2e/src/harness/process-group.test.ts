import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isProcessAlive,
  isRecordedProcessAlive,
  killProcessGroup,
  processGroupMembers,
  spawnDetached,
  tailFile,
} from './process-group.js';
import { waitUntil } from './wait-until.js';

describe('process groups', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'trib-proc-'));

  it('starts a detached group with its output in the log and kills every member', async () => {
    const logFile = join(dir(), 'server.log');
    // A parent that forks a child: both must die with the group.
    const child = spawnDetached({
      command: 'sh',
      args: ['-c', 'echo started; sleep 300 & sleep 300'],
      logFile,
    });
    expect(child.pgid).toBe(child.pid);
    await waitUntil(
      async () => {
        if (processGroupMembers(child.pgid).length < 2) throw new Error('child not forked yet');
        if (!tailFile(logFile).includes('started')) throw new Error('no output yet');
      },
      { what: 'the group', timeoutMs: 10_000, initialIntervalMs: 10 },
    );
    expect(isRecordedProcessAlive(child)).toBe(true);

    await killProcessGroup(child.pgid, 5_000);
    expect(processGroupMembers(child.pgid)).toEqual([]);
    expect(isProcessAlive(child.pid)).toBe(false);
    expect(child.exited()).toBe(true);
  });

  it('escalates to SIGKILL when the group ignores SIGTERM', async () => {
    const child = spawnDetached({
      command: 'sh',
      args: ['-c', "trap '' TERM; echo ready; while true; do sleep 1; done"],
      logFile: join(dir(), 'stubborn.log'),
    });
    await waitUntil(
      async () => {
        if (processGroupMembers(child.pgid).length === 0) throw new Error('not started');
      },
      { what: 'stubborn', timeoutMs: 5_000, initialIntervalMs: 10 },
    );
    await killProcessGroup(child.pgid, 200);
    expect(processGroupMembers(child.pgid)).toEqual([]);
  });

  it('does not mistake a recycled pid for the recorded process', () => {
    const self = { pid: process.pid, pgid: process.pid, command: 'node', startTicks: '1' };
    expect(isRecordedProcessAlive(self)).toBe(false);
    expect(isRecordedProcessAlive({ pid: process.pid, pgid: process.pid, command: 'node' })).toBe(true);
  });

  it('refuses to signal group 0 or 1', async () => {
    await expect(killProcessGroup(1)).rejects.toThrow(/Refusing/);
  });

  it('tails the last lines of a file, and nothing for a missing one', () => {
    const file = join(dir(), 'log');
    writeFileSync(file, `${Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n')}\n`);
    expect(tailFile(file, 3)).toBe('line 7\nline 8\nline 9');
    expect(tailFile(join(dir(), 'missing'))).toBe('');
  });
});
