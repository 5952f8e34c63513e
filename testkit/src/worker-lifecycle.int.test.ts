import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePhaseMarker } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { startChildJob } from './child-job.js';

const jobScript = fileURLToPath(new URL('./fixtures/datagen-2pc-job.ts', import.meta.url));

/** Pids of the direct children of `pid` (ps, not our own bookkeeping). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('worker processes never outlive their job', () => {
  it('a SIGKILL of the job process ends its worker processes (they exit when the IPC channel closes)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-worker-orphans-'));
    let running!: () => void;
    const isRunning = new Promise<void>((resolve) => {
      running = resolve;
    });
    // A slow, long job: it is still running when killed.
    const job = startChildJob({
      script: jobScript,
      args: ['exactly-once', join(dir, 'chk'), join(dir, 'store'), '1000000', '2', '1000', 'processes:2'],
      env: { TRIB_TEST_PHASE_MARKERS: '1' },
      onLine: (line) => {
        if (parsePhaseMarker(line)?.phase === 'running') running();
      },
    });
    await Promise.race([
      isRunning,
      job.exited.then(() => {
        throw new Error(`job ended before running: ${job.stderr()}`);
      }),
    ]);
    const pid = job.child.pid as number;
    const workers = childrenOf(pid);
    expect(workers).toHaveLength(2);
    job.child.kill('SIGKILL');
    await job.exited;
    const deadline = Date.now() + 15_000;
    while (workers.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(workers.filter(alive)).toEqual([]);
  }, 90_000);
});
