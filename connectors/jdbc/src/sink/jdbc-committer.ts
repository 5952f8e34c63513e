import {
  type CommitRequest,
  type Committer,
  hasErrorCode,
  type Logger,
  TributaryError,
} from '@tributary/core';
import { connectionOf } from '../dialect/connection-options.js';
import type { Dialect, SqlConnection } from '../dialect/dialect.js';
import { openConnection } from '../dialect/jdbc-errors.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import {
  awaitSessionEnd,
  DEFAULT_DETACH_WAIT,
  DEFAULT_SESSION_END_WAIT,
  type DetachWait,
  finishWhenDetached,
  type SessionEndWait,
} from './finish-prepared.js';
import { emitPhaseMarker } from './jdbc-phase-markers.js';
import type { ResolvedJdbcSinkOptions } from './jdbc-sink-options.js';
import type { JdbcCommittable } from './jdbc-sink-writer.js';

/**
 * Commits prepared transactions (COMMIT PREPARED / XA COMMIT) once their checkpoint is durable.
 * Idempotent, as a restore requires: an id the server has no prepared transaction for, in any
 * session, was committed before. One still attached to the session that prepared it (MariaDB,
 * until that session's disconnect is processed) is waited for, then retried later: taking it for
 * committed would lose its rows. A committable that names the session that prepared it (MariaDB)
 * is committed only once that session has ended: after a crash right after the prepare, a restore
 * can reach it while the server is still ending the session, when an XA COMMIT may answer success
 * and commit nothing. Connects on first use (at-least-once jobs never hand it anything).
 */
export class JdbcCommitter implements Committer<JdbcCommittable> {
  private connection: SqlConnection | undefined;

  constructor(
    private readonly dialect: Dialect,
    private readonly options: ResolvedJdbcSinkOptions,
    private readonly logger: Logger,
    private readonly detachWait: DetachWait = DEFAULT_DETACH_WAIT,
    private readonly sessionEndWait: SessionEndWait = DEFAULT_SESSION_END_WAIT,
  ) {}

  async commit(requests: readonly CommitRequest<JdbcCommittable>[]): Promise<void> {
    if (requests.length === 0) return;
    const twoPhase = this.dialect.twoPhase;
    if (twoPhase === undefined) {
      for (const request of requests)
        request.signalFailedWithUnknownReason(
          new TributaryError(
            JdbcErrorCodes.UNSUPPORTED,
            `Dialect ${this.dialect.name} cannot commit prepared transactions`,
          ),
        );
      return;
    }
    await emitPhaseMarker(
      'precommitted',
      requests.map((r) => r.committable.transactionId),
    );
    const committed: string[] = [];
    for (const request of requests) {
      const committable = request.committable;
      const { transactionId: id, sessionId } = committable;
      try {
        this.connection ??= await openConnection(this.dialect, connectionOf(this.options));
        // A committable of the previous format names no session: nothing to wait for.
        if (sessionId !== undefined)
          await awaitSessionEnd(
            twoPhase,
            this.connection,
            { ...committable, sessionId },
            id,
            this.sessionEndWait,
          );
        const outcome = await finishWhenDetached(twoPhase, this.connection, 'commit', id, this.detachWait);
        if (outcome === 'finished') committed.push(id);
        else if (outcome === 'absent') request.signalAlreadyCommitted();
        else {
          this.logger.warn(
            { transactionId: id },
            'a prepared transaction is still attached to the session that prepared it; retrying its commit later',
          );
          this.retryOrFail(
            request,
            new TributaryError(
              JdbcErrorCodes.PREPARED_ATTACHED,
              `Prepared transaction ${id} is still attached to an open session`,
              { retriable: true, context: { transactionId: id, table: this.options.table } },
            ),
          );
        }
      } catch (error) {
        // The connection is fine when only the preparing session outlived the wait.
        if (!hasErrorCode(error, JdbcErrorCodes.PREPARED_ATTACHED)) {
          await this.connection?.close();
          this.connection = undefined;
        }
        this.logger.warn(
          { transactionId: id, error: String(error) },
          'committing a prepared transaction failed; retrying',
        );
        this.retryOrFail(request, error);
      }
    }
    await emitPhaseMarker('committed', committed);
  }

  private retryOrFail(request: CommitRequest<JdbcCommittable>, cause: unknown): void {
    const id = request.committable.transactionId;
    if (request.numberOfRetries < 10) request.retryLater();
    else
      request.signalFailedWithUnknownReason(
        new TributaryError(JdbcErrorCodes.COMMIT_FAILED, `Could not commit prepared transaction ${id}`, {
          cause,
          context: { transactionId: id, table: this.options.table },
        }),
      );
  }

  async close(): Promise<void> {
    await this.connection?.close();
    this.connection = undefined;
  }
}
