import { CoreErrorCodes, hasErrorCode, type RetryOptions, retry } from '@tributary/core';
import type { PreparedFinish, SqlConnection, TwoPhaseDialect } from '../dialect/dialect.js';

/** How long to wait for a prepared transaction's session to end, before giving up for now. */
export type DetachWait = Pick<RetryOptions, 'maxAttempts' | 'initialDelayMs' | 'maxDelayMs'>;

/**
 * The server processes a closed session's disconnect within milliseconds of the client seeing
 * the socket close (longer on a loaded machine): about 0.3–0.6 s of polls cover that. A session
 * still attached after them is a live one (or a very slow server); callers retry later or fail.
 */
export const DEFAULT_DETACH_WAIT: DetachWait = { maxAttempts: 8, initialDelayMs: 5, maxDelayMs: 500 };

const STILL_ATTACHED = new Error('the prepared transaction is still attached to its session');

/**
 * Commits or rolls back prepared transaction `id`, polling with backoff while it is still
 * attached to the session that prepared it (see {@link PreparedFinish}). Returns `attached` when
 * it still is after the last poll: never `absent` for a transaction that is still prepared.
 */
export async function finishWhenDetached(
  twoPhase: TwoPhaseDialect,
  connection: SqlConnection,
  action: 'commit' | 'rollback',
  id: string,
  wait: DetachWait = DEFAULT_DETACH_WAIT,
): Promise<PreparedFinish> {
  try {
    return await retry(
      async () => {
        const outcome = await twoPhase[action](connection, id);
        if (outcome === 'attached') throw STILL_ATTACHED;
        return outcome;
      },
      { ...wait, isRetriable: (error) => error === STILL_ATTACHED, operation: `${action} of ${id}` },
    );
  } catch (error) {
    if (hasErrorCode(error, CoreErrorCodes.RETRIES_EXHAUSTED) && (error as Error).cause === STILL_ATTACHED)
      return 'attached';
    throw error;
  }
}
