import { TributaryError } from '@tributary/core';
import type { TableInfo } from '../catalog/jdbc-catalog.js';
import type { Dialect, Row, SqlConnection } from '../dialect/dialect.js';
import { statementError } from '../dialect/jdbc-errors.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import { opAt, type RowBatch, type RowOp } from './row-ops.js';
import { parameterBytes, RowShape } from './row-shape.js';

/** Most rows one multi-row statement carries (beyond this, bigger statements stop paying off). */
const MAX_ROWS_PER_STATEMENT = 1000;

/** What to do with a row the database rejects. */
export interface RowErrorPolicy {
  readonly mode: 'fail' | 'dead-letter' | 'skip';
  readonly deadLetter: ((record: unknown, error: TributaryError) => Promise<void>) | undefined;
  /** Called per rejected row that was skipped or dead-lettered. */
  readonly onRejected: () => void;
}

/**
 * Thrown by an optimistic write when a row was rejected: the transaction is aborted, so the
 * caller rolls it back and writes the batch again with `optimistic: false` (behind savepoints).
 */
export class RejectedRowsNeedReplay extends Error {
  constructor(override readonly cause: unknown) {
    super('a row of an optimistic batch was rejected; replay the batch behind savepoints');
  }
}

/** How a batch is written. */
export interface WriteMode {
  /**
   * No savepoint around each chunk (where a failure aborts the transaction, e.g. PostgreSQL):
   * saves two round trips per chunk, but a rejected row throws {@link RejectedRowsNeedReplay}
   * instead of being isolated. Only for a caller that owns the whole transaction and can replay it.
   */
  readonly optimistic?: boolean;
  /**
   * Settles when statements may be sent (the caller's BEGIN, in flight): the first chunk is
   * encoded before it is awaited, so the encoding overlaps that round trip. Its rejection is
   * thrown as is, before any statement.
   */
  readonly ready?: Promise<unknown>;
}

/** Result of writing one batch. */
export interface BatchOutcome {
  readonly written: number;
  /** Approximate bytes sent (text length of values and COPY text; 8 per other value). */
  readonly bytes: number;
  readonly rejected: number;
}

/**
 * Turns a batch of changes into few statements: deletes by key, multi-row INSERT/upsert grouped by
 * column set, each chunk within the dialect's parameter limit. A chunk a row makes fail is
 * replayed row by row (behind a savepoint where a failure aborts the transaction), so only the
 * rejected rows meet the {@link RowErrorPolicy}.
 */
export class BatchStatements {
  private columnTypes: Map<string, string>;
  /** The current write is optimistic (see {@link WriteMode}). */
  private optimistic = false;
  /** What the current write's first statement waits for (see {@link WriteMode.ready}); cleared once awaited. */
  private ready: Promise<unknown> | undefined;

  constructor(
    private readonly dialect: Dialect,
    private table: TableInfo,
    private readonly keys: readonly string[] | undefined,
    private readonly upsert: boolean,
    private readonly policy: RowErrorPolicy,
    /** Appends go through `COPY … FROM STDIN` where the connection has it (PostgreSQL). */
    private readonly copy = false,
  ) {
    this.columnTypes = new Map(table.columns.map((c) => [c.name, c.type]));
  }

  /** The table changed (columns added, table created): statements follow its new columns. */
  setTable(table: TableInfo): void {
    this.table = table;
    this.columnTypes = new Map(table.columns.map((c) => [c.name, c.type]));
    this.shapes.clear();
    this.mainShape = undefined;
  }

  async write(connection: SqlConnection, batch: RowBatch, mode: WriteMode = {}): Promise<BatchOutcome> {
    this.optimistic = mode.optimistic === true && this.dialect.errorAbortsTransaction;
    this.ready = mode.ready;
    const n = batch.rows.length;
    // Appends and upserts (no deletes): every index of the batch, no list built.
    if (batch.deletes === undefined) return n === 0 ? NOTHING : this.runWrites(connection, batch, undefined);
    const deletes: number[] = [];
    const writes: number[] = [];
    for (let i = 0; i < n; i++) (batch.deletes[i] === true ? deletes : writes).push(i);
    let outcome = NOTHING;
    if (deletes.length > 0) outcome = add(outcome, await this.runDeletes(connection, batch, deletes));
    if (writes.length > 0) outcome = add(outcome, await this.runWrites(connection, batch, writes));
    return outcome;
  }

  /**
   * Rows with the stream's usual shape (the previous batch's; normally all of them) are encoded
   * in one pass each, straight into statement parameters or COPY text; the others (another field
   * list, an undefined field) are grouped by their defined columns and written after them. Within
   * a batch order does not matter: keyed batches hold one change per key, appends have no key.
   * `indices` are the batch's rows to write (undefined: all of them).
   */
  private async runWrites(
    connection: SqlConnection,
    batch: RowBatch,
    indices: readonly number[] | undefined,
  ): Promise<BatchOutcome> {
    const first = batch.rows[indices === undefined ? 0 : (indices[0] as number)] as Row;
    if (this.mainShape?.matches(first) !== true)
      this.mainShape = this.shapeOf(Object.keys(first), connection);
    const rest: number[] = [];
    let outcome = await this.writeShape(connection, this.mainShape, batch, indices, rest);
    if (rest.length === 0) return outcome;
    for (const [shape, group] of this.groupByDefinedColumns(batch, rest, connection))
      outcome = add(outcome, await this.writeShape(connection, shape, batch, group, undefined));
    return outcome;
  }

  /**
   * Writes the rows at `indices` (undefined: all) as rows of `shape`: with `rest`, the indices of
   * rows not of the shape go there instead (checked while encoding); without, every row is read
   * by column name. A chunk is a range of positions in `indices` less what went to `rest`: no
   * per-chunk list unless a chunk fails and its rows are replayed one by one.
   */
  private async writeShape(
    connection: SqlConnection,
    shape: RowShape,
    batch: RowBatch,
    indices: readonly number[] | undefined,
    rest: number[] | undefined,
  ): Promise<BatchOutcome> {
    const rows = batch.rows;
    const count = indices === undefined ? rows.length : indices.length;
    const indexAt = (position: number) => (indices === undefined ? position : (indices[position] as number));
    /** The batch indices of positions [from, to) that did not go to `rest` (from `restFrom` on). */
    const members = (from: number, to: number, restFrom: number) => () => {
      const out: number[] = [];
      let r = restFrom;
      for (let p = from; p < to; p++) {
        const index = indexAt(p);
        if (rest !== undefined && rest[r] === index) r++;
        else out.push(index);
      }
      return out;
    };
    const upsertKeys = this.upsert ? this.keys : undefined;
    const table = this.table.name;
    const single = (index: number) => {
      const params = new Array<unknown>(shape.width);
      shape.encodeByName(rows[index] as Row, params, 0);
      return () => connection.execute(this.dialect.insertSql(table, shape.columns, 1, upsertKeys), params);
    };
    if (!this.upsert && shape.canCopy && connection.copyIn !== undefined) {
      let text = '';
      let copied = 0;
      for (let p = 0; p < count; p++) {
        const row = rows[indexAt(p)] as Row;
        if (rest === undefined) text += shape.copyLineByName(row);
        else {
          const line = shape.copyLine(row);
          if (line === undefined) {
            rest.push(indexAt(p));
            continue;
          }
          text += line;
        }
        copied++;
      }
      if (copied === 0) return NOTHING;
      const copyIn = connection.copyIn.bind(connection);
      return this.runChunk(
        connection,
        batch,
        copied,
        members(0, count, 0),
        () => copyIn(table, shape.columns, text),
        single,
        text.length,
      );
    }
    const width = shape.width;
    const perStatement = Math.max(
      1,
      Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(this.dialect.maxParameters / width)),
    );
    // One parameter array for every full chunk of this shape: each chunk's await completes before
    // the next chunk overwrites it, and a full chunk overwrites every value.
    const full = shape.fullChunkParameters(perStatement);
    const repeated = connection.executeRepeated?.bind(connection);
    let outcome = NOTHING;
    let restFrom = 0;
    for (let from = 0; from < count; ) {
      // The chunk's rows encoded in one synchronous pass (no await between rows).
      const to = shape.fillChunk(rows, indices, from, count, perStatement, full, rest);
      const rowsInChunk = shape.chunkRows;
      if (rowsInChunk > 0) {
        const values = rowsInChunk === perStatement ? full : full.slice(0, rowsInChunk * width);
        const statement = shape.sql(rowsInChunk, perStatement, (n) =>
          this.dialect.insertSql(table, shape.columns, n, upsertKeys),
        );
        outcome = add(
          outcome,
          await this.runChunk(
            connection,
            batch,
            rowsInChunk,
            members(from, to, restFrom),
            repeated === undefined || values !== full
              ? () => connection.execute(statement, values)
              : () => repeated(statement, values),
            single,
            shape.chunkBytes,
          ),
        );
      }
      from = to;
      restFrom = rest?.length ?? 0;
    }
    return outcome;
  }

  private async runDeletes(
    connection: SqlConnection,
    batch: RowBatch,
    indices: readonly number[],
  ): Promise<BatchOutcome> {
    const keys = this.keys;
    if (keys === undefined) {
      throw new TributaryError(
        JdbcErrorCodes.INVALID_TABLE_OPTIONS,
        `Deletes need keyColumns (table '${this.table.name}' has no primary key)`,
        {
          context: { table: this.table.name, option: 'keyColumns' },
        },
      );
    }
    const rows = batch.rows as readonly Row[];
    let outcome = NOTHING;
    const perStatement = Math.max(
      1,
      Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(this.dialect.maxParameters / keys.length)),
    );
    const deleteSql = (count: number) => {
      let index = 0;
      const q = this.dialect.quote;
      const clause = Array.from(
        { length: count },
        () => `(${keys.map((k) => `${q(k)} = ${this.dialect.placeholder(index++)}`).join(' AND ')})`,
      ).join(' OR ');
      return `DELETE FROM ${q(this.table.name)} WHERE ${clause}`;
    };
    for (const i of indices) {
      for (const k of keys) {
        if ((rows[i] as Row)[k] === undefined || (rows[i] as Row)[k] === null) {
          throw new TributaryError(
            JdbcErrorCodes.INVALID_TABLE_OPTIONS,
            `A delete record lacks key column '${k}'`,
            {
              context: { table: this.table.name, column: k },
            },
          );
        }
      }
    }
    for (let start = 0; start < indices.length; start += perStatement) {
      const chunk = indices.slice(start, start + perStatement);
      const params = chunk.flatMap((i) => this.parameters(rows[i] as Row, keys));
      outcome = add(
        outcome,
        await this.runChunk(
          connection,
          batch,
          chunk.length,
          () => chunk,
          () => connection.execute(deleteSql(chunk.length), params),
          (i) => () => connection.execute(deleteSql(1), this.parameters(rows[i] as Row, keys)),
          parametersBytes(params),
        ),
      );
    }
    return outcome;
  }

  private async runChunk(
    connection: SqlConnection,
    batch: RowBatch,
    /** Rows the chunk holds. */
    count: number,
    /** The chunk's batch indices (built only when a row was rejected). */
    members: () => readonly number[],
    run: () => Promise<unknown>,
    single: (index: number) => () => Promise<unknown>,
    /** What the chunk sends, for the bytes metric (also counted when rows are then written one by one). */
    bytes: number,
  ): Promise<BatchOutcome> {
    const ready = this.ready;
    if (ready !== undefined) {
      this.ready = undefined;
      await ready;
    }
    try {
      if (this.optimistic) await run();
      else await this.guarded(connection, run);
      return { written: count, rejected: 0, bytes };
    } catch (error) {
      if (this.dialect.classify(error) !== 'constraint') throw this.typed(error, 'write batch');
      if (this.optimistic) throw new RejectedRowsNeedReplay(error);
    }
    // One row (or more) was rejected: find it, and write the others.
    let outcome: BatchOutcome = { written: 0, rejected: 0, bytes };
    for (const index of members()) {
      try {
        await this.guarded(connection, single(index));
        outcome = add(outcome, { written: 1, rejected: 0, bytes: 0 });
      } catch (error) {
        if (this.dialect.classify(error) !== 'constraint') throw this.typed(error, 'write row');
        await this.reject(opAt(batch, index), error);
        outcome = add(outcome, { written: 0, rejected: 1, bytes: 0 });
      }
    }
    return outcome;
  }

  /** Runs a statement behind a savepoint when a failure would abort the whole transaction. */
  private async guarded(connection: SqlConnection, run: () => Promise<unknown>): Promise<void> {
    if (!this.dialect.errorAbortsTransaction) {
      await run();
      return;
    }
    await connection.execute('SAVEPOINT trib_chunk');
    try {
      await run();
    } catch (error) {
      if (this.dialect.classify(error) === 'connection') throw error;
      await connection.execute('ROLLBACK TO SAVEPOINT trib_chunk');
      throw error;
    }
    await connection.execute('RELEASE SAVEPOINT trib_chunk');
  }

  private async reject(op: RowOp, cause: unknown): Promise<void> {
    const key =
      this.keys === undefined ? undefined : Object.fromEntries(this.keys.map((k) => [k, String(op.row[k])]));
    const error = statementError(this.dialect, cause, {
      table: this.table.name,
      operation: op.kind,
      ...(key === undefined ? {} : { key }),
    });
    if (this.policy.mode === 'fail') throw error;
    if (this.policy.mode === 'dead-letter') {
      if (this.policy.deadLetter === undefined) {
        throw new TributaryError(
          JdbcErrorCodes.DEAD_LETTER_FAILED,
          "onRowError is 'dead-letter' but no deadLetter handler was given",
          {
            cause: error,
            context: { table: this.table.name },
          },
        );
      }
      try {
        await this.policy.deadLetter(op.record, error);
      } catch (handlerError) {
        throw new TributaryError(
          JdbcErrorCodes.DEAD_LETTER_FAILED,
          `The dead-letter handler failed: ${String(handlerError)}`,
          {
            cause: handlerError,
            context: { table: this.table.name },
          },
        );
      }
    }
    this.policy.onRejected();
  }

  /** Shapes by their column list, built once each (records of one stream share few shapes). */
  private readonly shapes = new Map<string, RowShape>();
  /** The shape of the last batch's first row: every row is tried against it first. */
  private mainShape: RowShape | undefined;

  /** The shape writing `columns` (each checked to be a column of the table), in that order. */
  private shapeOf(columns: readonly string[], connection: SqlConnection): RowShape {
    const id = columns.join('\u0000');
    let shape = this.shapes.get(id);
    if (shape === undefined) {
      const types = columns.map((column) => this.columnType(column));
      const copyEncoder =
        this.copy && !this.upsert ? connection.copyFieldEncoder?.bind(connection) : undefined;
      shape = new RowShape(
        columns,
        types.map((type) => this.dialect.parameterEncoder(type)),
        copyEncoder === undefined ? undefined : types.map((type) => copyEncoder(type)),
      );
      this.shapes.set(id, shape);
    }
    return shape;
  }

  private columnType(field: string): string {
    const type = this.columnTypes.get(field);
    if (type === undefined) {
      throw new TributaryError(
        JdbcErrorCodes.COLUMN_NOT_FOUND,
        `Record field '${field}' is not a column of table '${this.table.name}'`,
        { context: { table: this.table.name, column: field } },
      );
    }
    return type;
  }

  /** Groups rows by their defined columns (in table order): a field set to undefined is left out (the column takes its default). */
  private groupByDefinedColumns(
    batch: RowBatch,
    indices: readonly number[],
    connection: SqlConnection,
  ): Map<RowShape, number[]> {
    const groups = new Map<RowShape, number[]>();
    for (const index of indices) {
      const row = batch.rows[index] as Row;
      const fields = Object.keys(row);
      // Checked before leaving undefined fields out: an unknown field is an error either way.
      for (const field of fields) this.columnType(field);
      const defined = new Set(fields.filter((f) => row[f] !== undefined));
      const shape = this.shapeOf(
        this.table.columns.map((c) => c.name).filter((c) => defined.has(c)),
        connection,
      );
      const group = groups.get(shape);
      if (group === undefined) groups.set(shape, [index]);
      else group.push(index);
    }
    return groups;
  }

  private parameters(row: Row, columns: readonly string[]): unknown[] {
    const out = new Array<unknown>(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i] as string;
      out[i] = this.dialect.toParameter(row[column], this.columnTypes.get(column) ?? '');
    }
    return out;
  }

  private typed(error: unknown, operation: string): TributaryError {
    return statementError(this.dialect, error, { table: this.table.name, operation });
  }
}

const NOTHING: BatchOutcome = { written: 0, rejected: 0, bytes: 0 };

function add(a: BatchOutcome, b: BatchOutcome): BatchOutcome {
  return { written: a.written + b.written, rejected: a.rejected + b.rejected, bytes: a.bytes + b.bytes };
}

/** The bytes metric of a statement's parameters. */
function parametersBytes(params: readonly unknown[]): number {
  let bytes = 0;
  for (const value of params) bytes += parameterBytes(value);
  return bytes;
}
