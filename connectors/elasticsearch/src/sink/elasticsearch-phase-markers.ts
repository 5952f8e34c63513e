/**
 * Test hook for crash tests: with `TRIB_ES_TEST_PHASE_MARKERS=1` the sink writer prints one stdout
 * line when a bulk request was acknowledged (its documents are in Elasticsearch, but no completed
 * checkpoint covers the records yet: a crash now makes the job replay them) and one when a
 * checkpoint's flush finished (everything delivered, the checkpoint not yet complete). A parent
 * process can SIGKILL the job on these lines. `TRIB_ES_TEST_PHASE_HOLD_MS=<n>` holds the writer
 * `n` ms after each line so the kill lands in that window even on a loaded machine. Off (and
 * free) by default.
 */

/** Prefix of every marker line: `TRIB_ES_PHASE <phase> <items>`. */
export const ES_PHASE_MARKER_PREFIX = 'TRIB_ES_PHASE';

/** The phases a marker names. */
export type ElasticsearchSinkPhase = 'bulk-acknowledged' | 'flushed';

const enabled = process.env.TRIB_ES_TEST_PHASE_MARKERS === '1';
const holdMs = Math.max(0, Number(process.env.TRIB_ES_TEST_PHASE_HOLD_MS ?? 0) || 0);

/** Prints a marker line and holds for the configured time; a no-op unless the hook is on. */
export async function emitPhaseMarker(phase: ElasticsearchSinkPhase, items: number): Promise<void> {
  if (!enabled) return;
  process.stdout.write(`${ES_PHASE_MARKER_PREFIX} ${phase} ${items}\n`);
  if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
}
