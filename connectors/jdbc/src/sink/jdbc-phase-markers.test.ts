import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** The module reads its env vars once, at import: each case imports a fresh copy. */
async function freshMarkers(env: Record<string, string | undefined>) {
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  vi.resetModules();
  return import('./jdbc-phase-markers.js');
}

/** Whether `promise` settled once pending callbacks and a macrotask have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  return done;
}

describe('jdbc phase markers (crash-test hook)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('prints nothing when off', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const markers = await freshMarkers({ TRIB_JDBC_TEST_PHASE_MARKERS: undefined });
    await markers.emitPhaseMarker('precommitted', ['p-0-1']);
    expect(write).not.toHaveBeenCalled();
  });

  it('stalls on the k-th pre-commit marker the stall file names, and only there', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const dir = mkdtempSync(join(tmpdir(), 'jdbc-markers-'));
    dirs.push(dir);
    const stallFile = join(dir, 'stall-at');
    writeFileSync(stallFile, '2');
    const markers = await freshMarkers({
      TRIB_JDBC_TEST_PHASE_MARKERS: '1',
      TRIB_JDBC_TEST_PHASE_STALL_FILE: stallFile,
    });
    expect(await settled(markers.emitPhaseMarker('precommitted', ['p-0-1']))).toBe(true);
    expect(await settled(markers.emitPhaseMarker('committed', ['p-0-1']))).toBe(true);
    expect(await settled(markers.emitPhaseMarker('precommitted', ['p-0-2']))).toBe(false);
    expect(lines).toEqual([
      'TRIB_JDBC_PHASE precommitted p-0-1\n',
      'TRIB_JDBC_PHASE committed p-0-1\n',
      'TRIB_JDBC_PHASE precommitted p-0-2\n',
    ]);
  });

  it('does not stall when the stall file is missing or says 0', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const dir = mkdtempSync(join(tmpdir(), 'jdbc-markers-'));
    dirs.push(dir);
    const stallFile = join(dir, 'stall-at');
    const markers = await freshMarkers({
      TRIB_JDBC_TEST_PHASE_MARKERS: '1',
      TRIB_JDBC_TEST_PHASE_STALL_FILE: stallFile,
    });
    expect(await settled(markers.emitPhaseMarker('precommitted', ['p-0-1']))).toBe(true);
    writeFileSync(stallFile, '0');
    expect(await settled(markers.emitPhaseMarker('precommitted', ['p-0-2']))).toBe(true);
  });
});
