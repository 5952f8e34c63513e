/**
 * Crash-test hook for every two-phase-commit sink: with `TRIB_TEST_PHASE_MARKERS=1` in the
 * environment, the runtime prints one stdout line at each point of the commit protocol that a
 * crash test wants to hit, so a parent process can SIGKILL the job exactly there:
 *
 * - `TRIB_PHASE restored <checkpointId>`: an attempt starts from this checkpoint (0: from nothing);
 * - `TRIB_PHASE running <checkpointId>`: every subtask of that attempt is up (its reader registered
 *   with the enumerator; in worker mode, after the workers loaded the job module);
 * - `TRIB_PHASE stored <checkpointId> <committables>`: the checkpoint is durable, its committables
 *   are not committed yet (the window where a crash must re-commit on restore);
 * - `TRIB_PHASE committed <checkpointId>`: its committables are committed.
 *
 * With `TRIB_TEST_PHASE_HOLD_MS=<n>` the runtime also waits `n` ms after a `stored` line that has
 * committables, so the kill lands before the commit even on a loaded machine. Connectors may emit
 * their own phases (the Kafka committer prints the transactions it is about to commit). Off, and
 * free, by default.
 */

/** First word of every marker line. */
export const PHASE_MARKER_PREFIX = 'TRIB_PHASE';

/** The phases the runtime reports. */
export type RuntimePhase = 'restored' | 'running' | 'stored' | 'committed';

/** A marker line, parsed. */
export interface PhaseMarker {
  readonly phase: string;
  readonly checkpointId: number;
  /** The words after the checkpoint id (e.g. the number of committables of `stored`). */
  readonly details: readonly string[];
}

// Read once per process: the environment is fixed for a test run.
const enabled = process.env.TRIB_TEST_PHASE_MARKERS === '1';
const holdMs = Math.max(0, Number(process.env.TRIB_TEST_PHASE_HOLD_MS ?? 0) || 0);

/** True when the crash-test hook is on. */
export function phaseMarkersEnabled(): boolean {
  return enabled;
}

/**
 * Prints a marker line synchronously (stdout to a pipe is synchronous on POSIX, so the line is out
 * before the next step) and, when `hold` is set, waits the configured hold time.
 */
export async function emitPhaseMarker(
  phase: string,
  checkpointId: number,
  details: readonly (string | number)[] = [],
  hold = false,
): Promise<void> {
  if (!enabled) return;
  process.stdout.write(`${[PHASE_MARKER_PREFIX, phase, checkpointId, ...details].join(' ')}\n`);
  if (hold && holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
}

/** Parses a marker line; anything else gives `undefined`. */
export function parsePhaseMarker(line: string): PhaseMarker | undefined {
  const words = line.trim().split(' ');
  if (words[0] !== PHASE_MARKER_PREFIX || words.length < 3) return undefined;
  const checkpointId = Number(words[2]);
  if (!Number.isInteger(checkpointId)) return undefined;
  return { phase: words[1] as string, checkpointId, details: words.slice(3) };
}
