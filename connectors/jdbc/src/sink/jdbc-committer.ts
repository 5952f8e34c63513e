import { type CommitRequest, type Committer, type Logger, TributaryError } from '@tributary/core';
import { connectionOf } from '../dialect/connection-options.js';
import type { Dialect, SqlConnection } from '../dialect/dialect.js';
import { openConnection } from '../dialect/jdbc-errors.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import { emitPhaseMarker } from './jdbc-phase-markers.js';
import type { ResolvedJdbcSinkOptions } from './jdbc-sink-options.js';
import type { JdbcCommittable } from './jdbc-sink-writer.js';

/**
 * Commits prepared transactions (COMMIT PREPARED / XA COMMIT) once their checkpoint is durable.
 * Idempotent, as a restore requires: an id with no prepared transaction was committed before.
 * Connects on first use (at-least-once jobs never hand it anything).
 */
export class JdbcCommitter implements Committer<JdbcCommittable> {
  private connection: SqlConnection | undefined;

  constructor(
    private readonly dialect: Dialect,
    private readonly options: ResolvedJdbcSinkOptions,
    private readonly logger: Logger,
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
      const id = request.committable.transactionId;
      try {
        this.connection ??= await openConnection(this.dialect, connectionOf(this.options));
        if (await twoPhase.commit(this.connection, id)) committed.push(id);
        else request.signalAlreadyCommitted();
      } catch (error) {
        await this.connection?.close();
        this.connection = undefined;
        this.logger.warn(
          { transactionId: id, error: String(error) },
          'committing a prepared transaction failed; retrying',
        );
        if (request.numberOfRetries < 10) request.retryLater();
        else
          request.signalFailedWithUnknownReason(
            new TributaryError(JdbcErrorCodes.COMMIT_FAILED, `Could not commit prepared transaction ${id}`, {
              cause: error,
              context: { transactionId: id, table: this.options.table },
            }),
          );
      }
    }
    await emitPhaseMarker('committed', committed);
  }

  async close(): Promise<void> {
    await this.connection?.close();
    this.connection = undefined;
  }
}
