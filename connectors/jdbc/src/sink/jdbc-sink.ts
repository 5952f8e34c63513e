import {
  type Committer,
  type CommitterInitContext,
  jsonSerializer,
  type Sink,
  type SinkWriter,
  type SupportsCommitter,
  type TributaryError,
  type VersionedSerializer,
  type WriterInitContext,
} from '@tributary/core';
import type { Dialect } from '../dialect/dialect.js';
import { dialectOf } from '../dialect/dialects.js';
import { JdbcCommitter } from './jdbc-committer.js';
import {
  JdbcSinkOptions,
  type JdbcSinkOptionsInput,
  type ResolvedJdbcSinkOptions,
} from './jdbc-sink-options.js';
import { type JdbcCommittable, JdbcSinkWriter } from './jdbc-sink-writer.js';
import { defaultTransactionPrefix } from './transaction-ids.js';

/** Extras of {@link JdbcSink} that are functions, not options. */
export interface JdbcSinkHandlers<T> {
  /** Receives rows the database rejected when `onRowError` is `dead-letter` (the error names table and key). */
  readonly deadLetter?: (record: T, error: TributaryError) => Promise<void>;
}

/**
 * Writes rows (or change-log records) into a table of PostgreSQL, MySQL/MariaDB or SQLite:
 * batched multi-row INSERT or upsert, deletes, per-row error handling, and exactly-once through
 * prepared transactions. A cheap description: the table is checked when the writers open.
 *
 * ```ts
 * const sink = new JdbcSink<Order>({
 *   dialect: 'postgres', host: 'db', user: 'app', password, database: 'shop',
 *   table: 'orders', writeMode: 'upsert', deliveryGuarantee: 'exactly-once',
 * });
 * ```
 */
export class JdbcSink<T = Record<string, unknown>> implements Sink<T>, SupportsCommitter<JdbcCommittable> {
  readonly options: ResolvedJdbcSinkOptions;
  readonly committableSerializer: VersionedSerializer<JdbcCommittable> = jsonSerializer<JdbcCommittable>({
    name: 'jdbc committable',
  });
  private readonly dialect: Dialect;

  constructor(
    options: JdbcSinkOptionsInput,
    private readonly handlers: JdbcSinkHandlers<T> = {},
  ) {
    this.options = JdbcSinkOptions.parse(options);
    this.dialect = dialectOf(this.options.dialect);
  }

  createWriter(ctx: WriterInitContext): Promise<SinkWriter<T>> {
    return JdbcSinkWriter.open<T>({
      dialect: this.dialect,
      options: this.options,
      subtaskId: ctx.subtaskId,
      parallelism: ctx.parallelism,
      restoredCheckpointId: ctx.restoredCheckpointId,
      transactionPrefix: this.options.transactionIdPrefix ?? defaultTransactionPrefix(ctx.jobId),
      metrics: ctx.metricGroup,
      logger: ctx.logger,
      deadLetter: this.handlers.deadLetter as
        | ((record: unknown, error: TributaryError) => Promise<void>)
        | undefined,
    });
  }

  createCommitter(ctx: CommitterInitContext): Committer<JdbcCommittable> {
    return new JdbcCommitter(this.dialect, this.options, ctx.logger);
  }
}
