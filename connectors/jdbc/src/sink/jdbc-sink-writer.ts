import {
  type CommittingSinkWriter,
  hasErrorCode,
  isTributaryError,
  type Logger,
  type SinkWriterMetricGroup,
  sleep,
  TributaryError,
} from '@tributary/core';
import { JdbcCatalog, type TableInfo } from '../catalog/jdbc-catalog.js';
import { connectionOf } from '../dialect/connection-options.js';
import type { Dialect, PreparingSession, SqlConnection, TwoPhaseDialect } from '../dialect/dialect.js';
import { openConnection, statementError } from '../dialect/jdbc-errors.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import { type BatchOutcome, BatchStatements, RejectedRowsNeedReplay } from './batch-statements.js';
import { awaitSessionEnd, finishWhenDetached } from './finish-prepared.js';
import type { ResolvedJdbcSinkOptions } from './jdbc-sink-options.js';
import { ReducingBuffer, type RowBatch } from './row-ops.js';
import { TableEvolution } from './table-evolution.js';
import { parseTransactionId, transactionId } from './transaction-ids.js';

/**
 * A prepared transaction handed to the committer. Where the dialect detaches prepared transactions
 * (MariaDB XA) it names the session that prepared it, and the committer waits until that session
 * has ended before committing. Committables of checkpoints written before that name none: no wait.
 */
export interface JdbcCommittable extends Partial<PreparingSession> {
  readonly transactionId: string;
}

/** How rows leave the buffer: in short transactions (at-least-once) or into one per checkpoint. */
interface FlushStrategy {
  write(batch: RowBatch): Promise<void>;
  prepareCommit(): Promise<JdbcCommittable[]>;
  close(): Promise<void>;
}

/** What a writer needs besides its options. */
export interface JdbcWriterSetup {
  readonly dialect: Dialect;
  readonly options: ResolvedJdbcSinkOptions;
  readonly subtaskId: number;
  readonly parallelism: number;
  readonly restoredCheckpointId: number | undefined;
  readonly transactionPrefix: string;
  readonly metrics: SinkWriterMetricGroup;
  readonly logger: Logger;
  readonly deadLetter: ((record: unknown, error: TributaryError) => Promise<void>) | undefined;
}

/**
 * Buffers rows (reduced by key), flushes them by size, by interval and at every checkpoint.
 * Flushes run one at a time, in order: a batch is retried before any later batch is sent, and
 * once a flush has failed no later one runs (every later call reports that failure).
 * A full buffer's flush is sent while the next batch is read and buffered (one flush in flight:
 * the next full buffer waits for it), so the database ingests a batch while the job prepares
 * the next; `flush` (end of input, every checkpoint) waits for every flush.
 */
export class JdbcSinkWriter<T> implements CommittingSinkWriter<T, JdbcCommittable> {
  private readonly buffer: ReducingBuffer;
  private chain: Promise<void> = Promise.resolve();
  /** The flush of the last full buffer, possibly still running. */
  private inFlight: Promise<void> = Promise.resolve();
  /** The first flush failure (a flush of a full buffer, by interval or at a checkpoint). */
  private failure: { readonly error: unknown } | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly setup: JdbcWriterSetup,
    keys: readonly string[] | undefined,
    private readonly strategy: FlushStrategy,
    private readonly statements: BatchStatements,
    private readonly evolution: TableEvolution | undefined,
  ) {
    this.buffer = new ReducingBuffer(keys, setup.options.input === 'changelog', setup.options.batchSizeRows);
  }

  static async open<T>(setup: JdbcWriterSetup): Promise<JdbcSinkWriter<T>> {
    const { dialect, options } = setup;
    const connection = await openConnection(dialect, connectionOf(options));
    try {
      const table = await describeOrDefer(connection, options);
      const keys = table === undefined ? keysOfTableToCreate(options) : resolveKeys(table, options);
      const statements = new BatchStatements(
        dialect,
        table ?? { name: options.table, columns: [], primaryKey: [] },
        keys,
        keys !== undefined && needsUpsert(options),
        {
          mode: options.onRowError,
          deadLetter: setup.deadLetter,
          onRejected: () => setup.metrics.numRecordsSendErrors.inc(),
        },
        options.appendMethod !== 'insert',
      );
      const strategy =
        options.deliveryGuarantee === 'exactly-once'
          ? await TwoPhaseStrategy.open(setup, connection, statements)
          : new ShortTransactionStrategy(setup, connection, statements);
      const evolution =
        options.createTable || options.addColumns
          ? new TableEvolution(dialect, options, table, keys)
          : undefined;
      return new JdbcSinkWriter<T>(setup, keys, strategy, statements, evolution);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  async write(batch: readonly T[]): Promise<void> {
    this.rethrowFailure();
    const buffer = this.buffer;
    for (let i = 0; i < batch.length; i++) buffer.add(batch[i]);
    if (buffer.size < this.setup.options.batchSizeRows) {
      this.armTimer();
      return;
    }
    const previous = this.inFlight;
    this.inFlight = this.flushBuffer();
    // Its failure is recorded by the chain and reported by the next call.
    this.inFlight.catch(() => {});
    await previous;
  }

  async flush(_endOfInput: boolean): Promise<void> {
    this.rethrowFailure();
    await this.flushBuffer();
    // The buffer may have been empty: the flushes in flight must still have succeeded.
    this.rethrowFailure();
  }

  prepareCommit(): Promise<JdbcCommittable[]> {
    return this.serialized(() => this.strategy.prepareCommit());
  }

  async close(): Promise<void> {
    this.disarmTimer();
    await this.chain.catch(() => {});
    await this.strategy.close();
  }

  private flushBuffer(): Promise<void> {
    this.disarmTimer();
    if (this.buffer.size === 0) return this.chain;
    const batch = this.buffer.drain();
    return this.serialized(async () => {
      // No await unless there is something to wait for: the flush's first statement goes out in
      // the same turn as the previous flush's end, before the job makes its next batch (each
      // await would let the job run first, with the database idle meanwhile).
      if (this.evolution !== undefined) {
        const evolved = await this.evolution.ensure(batch.rows);
        if (evolved !== undefined) this.statements.setTable(evolved);
      }
      await this.strategy.write(batch);
    });
  }

  /** Runs `task` after every earlier flush (the chain keeps batches in order), unless one failed. */
  private serialized<R>(task: () => Promise<R>): Promise<R> {
    const run = this.chain.then(() => {
      this.rethrowFailure();
      return task();
    });
    this.chain = run.then(
      () => {},
      (error: unknown) => {
        this.failure ??= { error };
      },
    );
    return run;
  }

  private armTimer(): void {
    const interval = this.setup.options.batchIntervalMs;
    if (interval === 0 || this.timer !== undefined || this.buffer.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A failure is recorded by the chain and reported by the next call.
      this.flushBuffer().catch(() => {});
    }, interval);
    this.timer.unref?.();
  }

  private disarmTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private rethrowFailure(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}

/** The table, or undefined when it does not exist and `createTable` will create it. */
async function describeOrDefer(
  connection: SqlConnection,
  options: ResolvedJdbcSinkOptions,
): Promise<TableInfo | undefined> {
  try {
    return await JdbcCatalog.over(connection).describeTable(options.table);
  } catch (error) {
    if (options.createTable && hasErrorCode(error, JdbcErrorCodes.TABLE_NOT_FOUND)) return undefined;
    throw error;
  }
}

/** Keys of a table the sink will create: the option (its primary key); required to upsert. */
function keysOfTableToCreate(options: ResolvedJdbcSinkOptions): string[] | undefined {
  if (options.keyColumns !== undefined) return options.keyColumns;
  if (!needsUpsert(options)) return undefined;
  throw new TributaryError(
    JdbcErrorCodes.INVALID_TABLE_OPTIONS,
    `Table '${options.table}' does not exist: set keyColumns (its primary key) for ${options.input === 'changelog' ? 'a changelog input' : 'writeMode "upsert"'} so createTable can create it`,
    { context: { table: options.table, option: 'keyColumns' } },
  );
}

function needsUpsert(options: ResolvedJdbcSinkOptions): boolean {
  return options.writeMode === 'upsert' || options.input === 'changelog';
}

/** Keys for upserts/deletes/reduction: the option, else the primary key; checked against the table. */
function resolveKeys(table: TableInfo, options: ResolvedJdbcSinkOptions): string[] | undefined {
  if (options.keyColumns !== undefined) {
    JdbcCatalog.requireColumns(table, options.keyColumns, 'keyColumns');
    return options.keyColumns;
  }
  if (!needsUpsert(options)) return undefined;
  if (table.primaryKey.length === 0) {
    throw new TributaryError(
      JdbcErrorCodes.INVALID_TABLE_OPTIONS,
      `Table '${table.name}' has no primary key: set keyColumns for ${options.input === 'changelog' ? 'a changelog input' : 'writeMode "upsert"'} (a unique key of the table)`,
      { context: { table: table.name, option: 'keyColumns' } },
    );
  }
  return [...table.primaryKey];
}

/** At-least-once: each flush in its own transaction; a lost connection replays the same batch. */
class ShortTransactionStrategy implements FlushStrategy {
  constructor(
    private readonly setup: JdbcWriterSetup,
    private connection: SqlConnection | undefined,
    private readonly statements: BatchStatements,
  ) {}

  async write(batch: RowBatch): Promise<void> {
    const { options, dialect, metrics } = this.setup;
    for (let attempt = 0; ; attempt++) {
      const started = Date.now();
      try {
        // Awaited only when pending (see flushBuffer).
        const connection = this.connection ?? (await this.connect());
        const release =
          connection.acquireWriteLock === undefined ? undefined : await connection.acquireWriteLock();
        let outcome: BatchOutcome;
        try {
          outcome = await this.inTransaction(connection, batch, true).catch(async (error: unknown) => {
            if (!(error instanceof RejectedRowsNeedReplay)) throw error;
            // A row was rejected: the transaction is gone; isolate it behind savepoints.
            return this.inTransaction(connection, batch, false);
          });
        } finally {
          release?.();
        }
        metrics.numRecordsSend.inc(outcome.written);
        metrics.numBytesSend.inc(outcome.bytes);
        metrics.recordSendTime(Date.now() - started);
        return;
      } catch (error) {
        if (!isConnectionLoss(dialect, error) || attempt >= options.maxRetries) throw error;
        // The batch's transaction died with the connection: reconnect and send the same batch
        // again before anything later (the chain holds later flushes back).
        this.setup.logger.warn(
          { table: options.table, attempt: attempt + 1, rows: batch.rows.length },
          'JDBC connection lost during a batch; reconnecting and retrying it',
        );
        await this.connection?.close();
        this.connection = undefined;
        await sleep(options.retryBackoffMs * 2 ** attempt);
      }
    }
  }

  /**
   * One transaction around the batch; optimistic first (no savepoints: two round trips fewer per
   * chunk). BEGIN is sent first and the batch's first chunk is encoded while it is in flight (the
   * statements wait for it before sending anything), as a loop that prepares its rows before
   * it starts the transaction: the encoding is not added to the batch's round trips.
   */
  private async inTransaction(
    connection: SqlConnection,
    batch: RowBatch,
    optimistic: boolean,
  ): Promise<BatchOutcome> {
    const { dialect } = this.setup;
    let begun = false;
    const ready = connection.execute(dialect.beginSql()).then(() => {
      begun = true;
    });
    // Observed below in every case; this only keeps a failure while encoding from leaving it unhandled.
    ready.catch(() => {});
    try {
      const outcome = await this.statements.write(connection, batch, { optimistic, ready });
      await ready;
      await connection.execute('COMMIT');
      return outcome;
    } catch (error) {
      // Encoding may have failed before BEGIN completed: roll back only a transaction that began
      // (a failed BEGIN left none, as when it was awaited first).
      await ready.catch(() => {});
      if (begun && !isConnectionLoss(dialect, error)) await connection.execute('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  async prepareCommit(): Promise<JdbcCommittable[]> {
    return [];
  }

  async close(): Promise<void> {
    await this.connection?.close();
    this.connection = undefined;
  }

  private async connect(): Promise<SqlConnection> {
    this.connection ??= await openConnection(this.setup.dialect, connectionOf(this.setup.options));
    return this.connection;
  }
}

function isConnectionLoss(dialect: Dialect, error: unknown): boolean {
  if (isTributaryError(error)) return error.code === JdbcErrorCodes.CONNECTION_FAILED;
  return dialect.classify(error) === 'connection';
}

/**
 * Exactly-once: one prepared transaction per checkpoint and subtask. Rows flushed between two
 * checkpoints go into the open transaction; `prepareCommit` prepares it (PREPARE TRANSACTION /
 * XA PREPARE) and hands its id to the committer, which commits it once the checkpoint is durable.
 * A lost connection loses the open transaction, so it fails the job: it restarts from the last
 * checkpoint and replays those rows.
 */
class TwoPhaseStrategy implements FlushStrategy {
  private openId: string | undefined;
  private nextIndex: number;

  private constructor(
    private readonly setup: JdbcWriterSetup,
    private connection: SqlConnection | undefined,
    private readonly statements: BatchStatements,
    private readonly twoPhase: TwoPhaseDialect,
  ) {
    this.nextIndex = (setup.restoredCheckpointId ?? 0) + 1;
  }

  static async open(
    setup: JdbcWriterSetup,
    connection: SqlConnection,
    statements: BatchStatements,
  ): Promise<TwoPhaseStrategy> {
    const twoPhase = setup.dialect.twoPhase;
    if (twoPhase === undefined) {
      throw new TributaryError(
        JdbcErrorCodes.UNSUPPORTED,
        `Dialect ${setup.dialect.name} has no prepared transactions`,
        {
          context: { dialect: setup.dialect.name },
        },
      );
    }
    await twoPhase.checkAvailable(connection);
    const strategy = new TwoPhaseStrategy(setup, connection, statements, twoPhase);
    await strategy.rollBackLingering();
    return strategy;
  }

  /**
   * Rolls back every prepared transaction this subtask owns (its own ids and, after a
   * scale-down, those of subtasks `≡ subtask mod parallelism`). The runtime commits the restored
   * checkpoint's committables before any writer opens, so whatever is still prepared now belongs
   * to no complete checkpoint: a failed attempt prepared it. An index threshold is not enough:
   * indexes count pre-commits, checkpoint ids count triggers (an aborted checkpoint or a new
   * lineage skips ids), so a failed checkpoint's transaction can have an index ≤ the restored id.
   */
  private async rollBackLingering(): Promise<void> {
    const { transactionPrefix, subtaskId, parallelism } = this.setup;
    const connection = await this.connect();
    const ids = await this.twoPhase.listPrepared(connection, `${transactionPrefix}-`);
    const rolledBack: string[] = [];
    for (const id of ids) {
      const parsed = parseTransactionId(transactionPrefix, id);
      if (parsed === undefined || parsed.subtask % parallelism !== subtaskId) continue;
      // A failed attempt's session may not have ended yet (an in-process restart closes it just
      // before): left prepared, the transaction would hold its row locks against this attempt.
      const outcome = await finishWhenDetached(this.twoPhase, connection, 'rollback', id);
      if (outcome === 'attached') {
        throw new TributaryError(
          JdbcErrorCodes.PREPARED_ATTACHED,
          `Prepared transaction ${id} of a failed attempt is still attached to an open session, so it cannot be rolled back: end that session (KILL on MariaDB) or let the job retry`,
          { retriable: true, context: { transactionId: id, table: this.setup.options.table } },
        );
      }
      if (outcome === 'finished') rolledBack.push(id);
    }
    if (rolledBack.length > 0)
      this.setup.logger.info(
        { subtask: subtaskId, transactionIds: rolledBack },
        'rolled back prepared transactions of failed attempts',
      );
  }

  async write(batch: RowBatch): Promise<void> {
    const started = Date.now();
    try {
      const connection = await this.connect();
      if (this.openId === undefined) {
        const id = transactionId(this.setup.transactionPrefix, this.setup.subtaskId, this.nextIndex);
        await this.twoPhase.begin(connection, id);
        this.openId = id;
      }
      const outcome = await this.statements.write(connection, batch);
      this.setup.metrics.numRecordsSend.inc(outcome.written);
      this.setup.metrics.numBytesSend.inc(outcome.bytes);
      this.setup.metrics.recordSendTime(Date.now() - started);
    } catch (error) {
      throw statementError(this.setup.dialect, error, {
        table: this.setup.options.table,
        operation: 'write',
      });
    }
  }

  async prepareCommit(): Promise<JdbcCommittable[]> {
    const id = this.openId;
    this.openId = undefined;
    this.nextIndex++;
    if (id === undefined) return [];
    try {
      const connection = await this.connect();
      await this.twoPhase.prepare(connection, id);
      if (this.twoPhase.detachAfterPrepare) {
        const session = await this.twoPhase.preparingSession?.(connection);
        await connection.close();
        this.connection = undefined;
        if (session !== undefined) {
          // The session id goes along: the committer checks again that it has ended before
          // committing (a restore commits whatever a checkpoint holds).
          await awaitSessionEnd(this.twoPhase, await this.connect(), session, id);
          return [{ transactionId: id, ...session }];
        }
      }
    } catch (error) {
      throw statementError(this.setup.dialect, error, {
        table: this.setup.options.table,
        operation: 'prepare',
        transactionId: id,
      });
    }
    return [{ transactionId: id }];
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection === undefined) return;
    if (this.openId !== undefined) await this.twoPhase.abortOpen(connection, this.openId).catch(() => {});
    await connection.close();
  }

  private async connect(): Promise<SqlConnection> {
    this.connection ??= await openConnection(this.setup.dialect, connectionOf(this.setup.options));
    return this.connection;
  }
}
