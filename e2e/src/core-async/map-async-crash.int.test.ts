import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWithCrashes, seededRandom } from '@tributary/connector-testkit';
import { describe, expect, it } from 'vitest';
import type { EnrichedRecord } from './fixtures/map-async-2pc-job.js';

const jobScript = fileURLToPath(new URL('./fixtures/map-async-2pc-job.ts', import.meta.url));
// Enough records that the data never runs out before the last kill (each run reads ~0.5 s of them).
const COUNT = 12_000;
// The full schedule, in CI too (since the e2e files run in two lanes it costs CI seconds).
const KILLS = 8;

/** The oracle reads the store's committed files itself (no code shared with the sink or the runtime). */
async function committedRecords(storeDir: string): Promise<EnrichedRecord[]> {
  const dir = join(storeDir, 'committed');
  const out: EnrichedRecord[] = [];
  for (const name of await readdir(dir)) {
    for (const line of (await readFile(join(dir, name), 'utf8')).split('\n')) {
      if (line.trim() !== '') out.push(JSON.parse(line) as EnrichedRecord);
    }
  }
  return out;
}

describe('mapAsync under SIGKILL (datagen → mapAsync → two-phase-commit sink, 100 ms checkpoints)', () => {
  for (const mode of ['ordered', 'unordered'] as const) {
    it(`${mode}: kills while calls are in flight after a checkpoint; restores re-issue them; output exactly once`, async () => {
      const seed = Number(process.env.TRIB_CRASH_SEED ?? Date.now() % 1_000_000);
      const random = seededRandom(seed);
      const dir = await mkdtemp(join(tmpdir(), `trib-async-crash-${mode}-`));
      const storeDir = join(dir, 'store');
      // Per run: how many of its own checkpoints must complete before a kill on "calls in flight".
      const targets = new Map<number, number>();
      const killedInFlight = new Map<number, number>();
      const reissued: number[] = [];
      let currentRun = 0;
      try {
        const result = await runWithCrashes({
          script: jobScript,
          args: [mode, join(dir, 'checkpoints'), storeDir, String(COUNT), '2', '2000'],
          kills: KILLS,
          minKillDelayMs: 0,
          maxKillDelayMs: 0,
          // Fallback timer only: runs are meant to die on an "inflight" marker.
          killDelayForRun: () => [8000, 9000],
          onRunStart: (run) => {
            currentRun = run;
            targets.set(run, 1 + Math.floor(random() * 3));
          },
          onLine: (line) => {
            const [kind, a] = line.split(' ');
            if (kind === 'reissued') reissued.push(Number(a));
          },
          killOnLine: (line, run) => {
            const [kind, checkpoints, inFlight] = line.split(' ');
            if (kind !== 'inflight' || killedInFlight.has(run)) return false;
            if (Number(checkpoints) < (targets.get(run) ?? 1) || Number(inFlight) === 0) return false;
            killedInFlight.set(run, Number(inFlight));
            return true;
          },
          timeoutMs: 150_000,
          random,
        });
        expect(result.kills).toBe(KILLS);
        expect(result.finishedEarly).toBe(false);
        // The kills landed where they matter: after a checkpoint of the run, with calls in flight.
        expect(killedInFlight.size).toBeGreaterThanOrEqual(KILLS - 1);
        // Restores happened and re-issued calls that were in flight at their checkpoint.
        expect(reissued.filter((n) => n > 0).length).toBeGreaterThanOrEqual(KILLS / 2);

        const records = await committedRecords(storeDir);
        expect(records.every((r) => r.square === r.id * r.id)).toBe(true);
        expect(records.map((r) => r.id).sort((a, b) => a - b)).toEqual(
          Array.from({ length: COUNT }, (_, i) => i),
        );
      } catch (error) {
        throw new Error(
          `${mode} crash test failed (seed ${seed}, run ${currentRun}, TRIB_CRASH_SEED=${seed} replays the kill schedule): ${String(error)}`,
          { cause: error },
        );
      }
    }, 180_000);
  }
});
