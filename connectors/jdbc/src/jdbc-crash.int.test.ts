import { writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWithCrashes } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JDBC_PHASE_MARKER_PREFIX } from './sink/jdbc-phase-markers.js';
import { openTestDatabase, type TestDatabase } from './testing-fixtures/test-databases.js';

const KILLS = 20;
const ROWS = 200_000;

/** A small seeded generator, so a failing kill schedule can be replayed (the seed is printed). */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// The two databases' kill loops run at the same time: separate servers, tables, checkpoint
// directories and child processes, nothing shared. Kill delays count from each run's restore and
// the marker kills wait for the marker, so a slower start-up next to the other loop moves no kill
// out of its window.
describe.concurrent.each(['postgres', 'mariadb'] as const)(
  'JdbcSink exactly-once on %s under 20 SIGKILLs (child processes)',
  (kind) => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await openTestDatabase(kind, 'crash');
    });
    afterAll(async () => {
      await db?.close();
    });

    it('kills at random moments and between prepare and commit; the table holds every row exactly once and no prepared transaction is left', async () => {
      await db.exec(`CREATE TABLE crash_out (id BIGINT NOT NULL, payload VARCHAR(40) NOT NULL)`);
      const dir = await mkdtemp(join(tmpdir(), 'jdbc-crash-'));
      const unthrottle = join(dir, 'unthrottle');
      // Which `precommitted` marker of the coming run stalls the committer until the SIGKILL.
      const stallFile = join(dir, 'stall-at');
      const prefix = `crash-${kind}-${Date.now() % 100_000}`;
      const seed = Date.now() % 1_000_000;
      const random = seeded(seed);
      const target = new Map<number, number>();
      const markersSeen = new Map<number, number>();
      const killedOnMarker: number[] = [];
      const killedIds = new Map<number, string>();
      const committedLines: { run: number; ids: string[] }[] = [];
      let restoredRuns = 0;
      const timeline: string[] = [];
      const started = Date.now();
      try {
        const outcome = await runWithCrashes({
          script: fileURLToPath(new URL('./testing-fixtures/eos-crash-job.ts', import.meta.url)),
          args: [
            JSON.stringify(db.connection),
            'crash_out',
            join(dir, 'checkpoints'),
            prefix,
            String(ROWS),
            unthrottle,
          ],
          // Not a timed hold: a parent slower than the hold (a loaded machine) killed after some
          // COMMIT PREPARED went through, and the check below misread such a run. The stall
          // never sends the commit, however late the SIGKILL comes.
          env: { TRIB_JDBC_TEST_PHASE_MARKERS: '1', TRIB_JDBC_TEST_PHASE_STALL_FILE: stallFile },
          kills: KILLS,
          minKillDelayMs: 1000,
          maxKillDelayMs: 3000,
          // Delays count from the job's restore, not the spawn: on a loaded machine a start-up
          // can outlast the whole window, and such kills test nothing.
          killDelayFrom: 'restored',
          // Odd runs die on a "prepared, not yet committed" marker; their timer is only a fallback.
          killDelayForRun: (run) => (run % 2 === 1 ? [9000, 12000] : [1000, 3000]),
          timeoutMs: 230_000,
          random,
          onRunStart: (run, final) => {
            // The second or third marker of the run (the first can be the restore's re-commit).
            const stallAt = run % 2 === 1 && !final ? (random() < 0.5 ? 2 : 3) : 0;
            target.set(run, stallAt);
            writeFileSync(stallFile, String(stallAt));
          },
          killOnLine: (line, run) => {
            if (!line.startsWith('progress'))
              timeline.push(`${run}@${Date.now() - started}: ${line.slice(0, 60)}`);
            if (line === 'started' && run > KILLS) void writeFile(unthrottle, '');
            if (line.startsWith('finished restored=') && !line.endsWith('none')) restoredRuns++;
            if (line.startsWith(`${JDBC_PHASE_MARKER_PREFIX} committed `))
              committedLines.push({ run, ids: line.split(' ')[2]?.split(',') ?? [] });
            if (run > KILLS) return false;
            if ((target.get(run) ?? 0) > 0 && line.startsWith(`${JDBC_PHASE_MARKER_PREFIX} precommitted `)) {
              // The marker the child stalls on (it counts them as this does).
              const seen = (markersSeen.get(run) ?? 0) + 1;
              markersSeen.set(run, seen);
              if (seen !== target.get(run)) return false;
              killedOnMarker.push(run);
              killedIds.set(run, line.split(' ')[2] ?? '');
              return true;
            }
            return false;
          },
        });
        const context = `${kind}: seed ${seed}, ${outcome.runs} runs, killed on marker in runs ${killedOnMarker.join(',')}, ${Date.now() - started} ms`;
        process.stdout.write(`jdbc crash test: ${context}\n`);
        // The per-run timeline (start, markers, end) explains a schedule that missed its markers.
        if (killedOnMarker.length < 4 || outcome.finishedEarly)
          process.stdout.write(`${timeline.join('\n')}\n`);
        expect(outcome.kills, context).toBe(KILLS);
        expect(outcome.finishedEarly, context).toBe(false);
        // The last run restored from a checkpoint and finished.
        expect(restoredRuns, context).toBe(1);
        expect(killedOnMarker.length, context).toBeGreaterThanOrEqual(4);
        for (const run of killedOnMarker) {
          const ids = (killedIds.get(run) ?? '').split(',');
          // Killed between the phases: the run itself committed none of them…
          expect(
            committedLines.filter((c) => c.run === run && c.ids.some((id) => ids.includes(id))),
            `run ${run}`,
          ).toEqual([]);
          // …and a later run committed every one of them after restoring.
          const later = new Set(committedLines.filter((c) => c.run > run).flatMap((c) => c.ids));
          for (const id of ids) expect(later.has(id), `${id} of run ${run}; ${context}`).toBe(true);
        }

        // The oracle: the plain driver, not the connector.
        const [stats] = await db.rows(
          'SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi FROM crash_out',
        );
        expect(
          { n: Number(stats?.n), d: Number(stats?.d), lo: Number(stats?.lo), hi: Number(stats?.hi) },
          context,
        ).toEqual({ n: ROWS, d: ROWS, lo: 0, hi: ROWS - 1 });
        const wrongPayload = await db.rows(
          kind === 'postgres'
            ? "SELECT count(*) AS n FROM crash_out WHERE payload <> 'row-' || id"
            : "SELECT count(*) AS n FROM crash_out WHERE payload <> CONCAT('row-', id)",
        );
        expect(Number(wrongPayload[0]?.n)).toBe(0);
        expect((await db.preparedTransactions()).filter((id) => id.startsWith(prefix))).toEqual([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, 260_000);
  },
);
