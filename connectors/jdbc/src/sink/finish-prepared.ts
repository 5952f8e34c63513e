import {
  CoreErrorCodes,
  hasErrorCode,
  type RetryOptions,
  retry,
  sleep,
  TributaryError,
} from '@tributary/core';
import type { PreparedFinish, PreparingSession, SqlConnection, TwoPhaseDialect } from '../dialect/dialect.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';

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

/** How long to wait for the session that prepared a transaction to end, and the longest poll interval. */
export interface SessionEndWait {
  readonly timeoutMs: number;
  readonly maxDelayMs: number;
}

/** A session's end is processed within milliseconds; 30 s covers a loaded server. */
export const DEFAULT_SESSION_END_WAIT: SessionEndWait = { timeoutMs: 30_000, maxDelayMs: 200 };

/**
 * Waits until the server has fully ended `session`, which prepared transaction `id`
 * (see {@link TwoPhaseDialect.preparingSession}): an XA COMMIT before that may answer success and commit
 * nothing. Returns at once where the dialect cannot tell (no `sessionEnded`). Throws a retriable
 * `TRIB_JDBC_PREPARED_ATTACHED` naming the transaction when the session outlives `wait`.
 */
export async function awaitSessionEnd(
  twoPhase: TwoPhaseDialect,
  connection: SqlConnection,
  session: PreparingSession,
  id: string,
  wait: SessionEndWait = DEFAULT_SESSION_END_WAIT,
): Promise<void> {
  const sessionEnded = twoPhase.sessionEnded;
  if (sessionEnded === undefined) return;
  const deadline = Date.now() + wait.timeoutMs;
  for (
    let delay = 2;
    !(await sessionEnded(connection, session));
    delay = Math.min(delay * 2, wait.maxDelayMs)
  ) {
    if (Date.now() > deadline)
      throw new TributaryError(
        JdbcErrorCodes.PREPARED_ATTACHED,
        `The session (id ${session.sessionId}) that prepared transaction ${id} did not end within ${wait.timeoutMs} ms: committing it before that session has ended could report success and commit nothing`,
        { retriable: true, context: { transactionId: id, sessionId: session.sessionId } },
      );
    await sleep(delay);
  }
}
