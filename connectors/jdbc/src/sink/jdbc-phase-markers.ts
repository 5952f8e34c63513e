/**
 * Test hook for crash tests (the same protocol as the Kafka connector's): with
 * `TRIB_JDBC_TEST_PHASE_MARKERS=1` the committer prints `TRIB_JDBC_PHASE precommitted <ids>` when
 * a completed checkpoint's prepared transactions are about to be committed and
 * `TRIB_JDBC_PHASE committed <ids>` after; `TRIB_JDBC_TEST_PHASE_HOLD_MS=<n>` holds `n` ms after
 * the first line so a parent's SIGKILL lands between the two phases.
 *
 * A timed hold is a race: a parent slower than `n` ms to react (a loaded machine) kills after
 * some COMMIT PREPARED went through. `TRIB_JDBC_TEST_PHASE_STALL_FILE=<path>` removes it: the file
 * holds a number `k` (written by the parent before each run; absent or 0: none), and the
 * process's `k`-th `precommitted` marker never returns — the commit is never sent, whenever the
 * parent's SIGKILL arrives. Off (and free) by default.
 */
import { readFileSync } from 'node:fs';

export const JDBC_PHASE_MARKER_PREFIX = 'TRIB_JDBC_PHASE';

const enabled = process.env.TRIB_JDBC_TEST_PHASE_MARKERS === '1';
const holdMs = Math.max(0, Number(process.env.TRIB_JDBC_TEST_PHASE_HOLD_MS ?? 0) || 0);
const stallFile = process.env.TRIB_JDBC_TEST_PHASE_STALL_FILE ?? '';
let precommittedMarkers = 0;

export async function emitPhaseMarker(
  phase: 'precommitted' | 'committed',
  ids: readonly string[],
): Promise<void> {
  if (!enabled || ids.length === 0) return;
  process.stdout.write(`${JDBC_PHASE_MARKER_PREFIX} ${phase} ${ids.join(',')}\n`);
  if (phase !== 'precommitted') return;
  precommittedMarkers++;
  if (stallFile !== '' && precommittedMarkers === stallTarget()) await new Promise<never>(() => {});
  if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
}

function stallTarget(): number {
  try {
    return Number(readFileSync(stallFile, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}
