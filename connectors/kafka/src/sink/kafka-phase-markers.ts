/**
 * Test hook for crash tests: with `TRIB_KAFKA_TEST_PHASE_MARKERS=1` the committer prints one stdout
 * line when a checkpoint's transactions are pre-committed (flushed, recorded in a completed
 * checkpoint) but not yet committed, and one when they are committed. A parent process can SIGKILL
 * the job on the first line to crash it exactly between the two phases. With
 * `TRIB_KAFKA_TEST_PHASE_HOLD_MS=<n>` the committer also waits `n` ms after the first line, so
 * the kill lands before the commit even on a loaded machine. Off (and free) by default.
 */

/** Prefix of every marker line: `TRIB_KAFKA_PHASE <phase> <transactional ids, comma-separated>`. */
export const KAFKA_PHASE_MARKER_PREFIX = 'TRIB_KAFKA_PHASE';

/** The two phases a marker names. */
export type KafkaCommitPhase = 'precommitted' | 'committed';

/** Whether markers are on (read once per process: the env var is fixed for a test run). */
const enabled = process.env.TRIB_KAFKA_TEST_PHASE_MARKERS === '1';
const holdMs = Math.max(0, Number(process.env.TRIB_KAFKA_TEST_PHASE_HOLD_MS ?? 0) || 0);

/** True when the crash-test hook is on. */
export function phaseMarkersEnabled(): boolean {
  return enabled;
}

/**
 * Prints a marker line (synchronously: stdout to a pipe is synchronous on POSIX, so the line is out
 * before the next protocol request) and, for `precommitted`, holds for the configured time.
 */
export async function emitPhaseMarker(
  phase: KafkaCommitPhase,
  transactionalIds: readonly string[],
): Promise<void> {
  if (!enabled) return;
  process.stdout.write(`${KAFKA_PHASE_MARKER_PREFIX} ${phase} ${transactionalIds.join(',')}\n`);
  if (phase === 'precommitted' && holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
}
