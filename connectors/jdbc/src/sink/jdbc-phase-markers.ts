/**
 * Test hook for crash tests (the same protocol as the Kafka connector's): with
 * `TRIB_JDBC_TEST_PHASE_MARKERS=1` the committer prints `TRIB_JDBC_PHASE precommitted <ids>` when
 * a completed checkpoint's prepared transactions are about to be committed and
 * `TRIB_JDBC_PHASE committed <ids>` after; `TRIB_JDBC_TEST_PHASE_HOLD_MS=<n>` holds `n` ms after
 * the first line so a parent's SIGKILL lands between the two phases. Off (and free) by default.
 */
export const JDBC_PHASE_MARKER_PREFIX = 'TRIB_JDBC_PHASE';

const enabled = process.env.TRIB_JDBC_TEST_PHASE_MARKERS === '1';
const holdMs = Math.max(0, Number(process.env.TRIB_JDBC_TEST_PHASE_HOLD_MS ?? 0) || 0);

export async function emitPhaseMarker(
  phase: 'precommitted' | 'committed',
  ids: readonly string[],
): Promise<void> {
  if (!enabled || ids.length === 0) return;
  process.stdout.write(`${JDBC_PHASE_MARKER_PREFIX} ${phase} ${ids.join(',')}\n`);
  if (phase === 'precommitted' && holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
}
