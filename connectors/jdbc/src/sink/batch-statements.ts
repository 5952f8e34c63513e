import { TributaryError } from '@tributary/core';
import type { TableInfo } from '../catalog/jdbc-catalog.js';
import type { Dialect, Row, SqlConnection } from '../dialect/dialect.js';
import { statementError } from '../dialect/jdbc-errors.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import type { RowOp } from './row-ops.js';

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
}

/** Result of writing one batch. */
export interface BatchOutcome {
  readonly written: number;
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
  }

  async write(connection: SqlConnection, ops: readonly RowOp[], mode: WriteMode = {}): Promise<BatchOutcome> {
    this.optimistic = mode.optimistic === true && this.dialect.errorAbortsTransaction;
    const deletes = ops.filter((op) => op.kind === 'delete');
    const writes = ops.filter((op) => op.kind === 'write');
    let outcome: BatchOutcome = { written: 0, rejected: 0 };
    if (deletes.length > 0) outcome = add(outcome, await this.runDeletes(connection, deletes));
    if (writes.length > 0) outcome = add(outcome, await this.runWrites(connection, writes));
    return outcome;
  }

  private async runWrites(connection: SqlConnection, ops: readonly RowOp[]): Promise<BatchOutcome> {
    let outcome: BatchOutcome = { written: 0, rejected: 0 };
    const upsertKeys = this.upsert ? this.keys : undefined;
    const single = (columns: string[]) => (op: RowOp) => {
      const sql = this.dialect.insertSql(this.table.name, columns, 1, upsertKeys);
      const params = this.parameters(op.row, columns);
      return () => connection.execute(sql, params);
    };
    for (const [columns, group] of this.groupByColumns(ops)) {
      if (this.copy && !this.upsert && connection.copyIn !== undefined) {
        const rows = group.map((op) => this.parameters(op.row, columns));
        const copyIn = connection.copyIn.bind(connection);
        outcome = add(
          outcome,
          await this.runChunk(
            connection,
            group,
            () => copyIn(this.table.name, columns, rows),
            single(columns),
          ),
        );
        continue;
      }
      const perStatement = Math.max(
        1,
        Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(this.dialect.maxParameters / columns.length)),
      );
      for (let start = 0; start < group.length; start += perStatement) {
        const chunk = group.slice(start, start + perStatement);
        const sql = this.dialect.insertSql(this.table.name, columns, chunk.length, upsertKeys);
        const params = this.batchParameters(chunk, columns);
        outcome = add(
          outcome,
          await this.runChunk(connection, chunk, () => connection.execute(sql, params), single(columns)),
        );
      }
    }
    return outcome;
  }

  private async runDeletes(connection: SqlConnection, ops: readonly RowOp[]): Promise<BatchOutcome> {
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
    let outcome: BatchOutcome = { written: 0, rejected: 0 };
    const perStatement = Math.max(
      1,
      Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(this.dialect.maxParameters / keys.length)),
    );
    const deleteSql = (rows: number) => {
      let index = 0;
      const q = this.dialect.quote;
      const clause = Array.from(
        { length: rows },
        () => `(${keys.map((k) => `${q(k)} = ${this.dialect.placeholder(index++)}`).join(' AND ')})`,
      ).join(' OR ');
      return `DELETE FROM ${q(this.table.name)} WHERE ${clause}`;
    };
    for (const op of ops) {
      for (const k of keys) {
        if (op.row[k] === undefined || op.row[k] === null) {
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
    for (let start = 0; start < ops.length; start += perStatement) {
      const chunk = ops.slice(start, start + perStatement);
      outcome = add(
        outcome,
        await this.runChunk(
          connection,
          chunk,
          () =>
            connection.execute(
              deleteSql(chunk.length),
              chunk.flatMap((op) => this.parameters(op.row, keys)),
            ),
          (op) => () => connection.execute(deleteSql(1), this.parameters(op.row, keys)),
        ),
      );
    }
    return outcome;
  }

  private async runChunk(
    connection: SqlConnection,
    chunk: readonly RowOp[],
    run: () => Promise<unknown>,
    single: (op: RowOp) => () => Promise<unknown>,
  ): Promise<BatchOutcome> {
    try {
      if (this.optimistic) await run();
      else await this.guarded(connection, run);
      return { written: chunk.length, rejected: 0 };
    } catch (error) {
      if (this.dialect.classify(error) !== 'constraint') throw this.typed(error, 'write batch');
      if (this.optimistic) throw new RejectedRowsNeedReplay(error);
    }
    // One row (or more) was rejected: find it, and write the others.
    let outcome: BatchOutcome = { written: 0, rejected: 0 };
    for (const op of chunk) {
      try {
        await this.guarded(connection, single(op));
        outcome = add(outcome, { written: 1, rejected: 0 });
      } catch (error) {
        if (this.dialect.classify(error) !== 'constraint') throw this.typed(error, 'write row');
        await this.reject(op, error);
        outcome = add(outcome, { written: 0, rejected: 1 });
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

  /** Column sets already checked, by the record's field list (records of one stream share few shapes). */
  private readonly shapes = new Map<string, string[]>();

  /** Groups rows by their column set (in table order), checking every field is a column. */
  private groupByColumns(ops: readonly RowOp[]): Map<string[], RowOp[]> {
    const groups = new Map<string[], RowOp[]>();
    // Records of one stream mostly share one field list: compare with the previous row's first.
    let lastFields: string[] = [];
    let lastColumns: string[] | undefined;
    for (const op of ops) {
      let columns: string[];
      let fields = lastFields;
      // Checked without allocating a key array per row (this runs for every row of every batch).
      if (lastColumns !== undefined && hasFields(op.row, lastFields)) columns = lastColumns;
      else {
        fields = Object.keys(op.row);
        const shape = fields.join('\u0000');
        columns = this.shapes.get(shape) ?? this.columnsOf(fields);
        this.shapes.set(shape, columns);
        lastFields = fields;
        lastColumns = columns;
      }
      // A field set to undefined is left out (the column takes its default).
      if (hasUndefined(op.row, fields)) columns = columns.filter((c) => op.row[c] !== undefined);
      let group = groups.get(columns);
      if (group === undefined) {
        // Shapes with the same defined columns share a group.
        const same = [...groups.keys()].find(
          (k) => k.length === columns?.length && k.every((c, i) => c === columns?.[i]),
        );
        group = same === undefined ? [] : (groups.get(same) as RowOp[]);
        if (same === undefined) groups.set(columns, group);
      }
      group.push(op);
    }
    return groups;
  }

  private columnsOf(fields: readonly string[]): string[] {
    for (const field of fields) {
      if (!this.columnTypes.has(field)) {
        throw new TributaryError(
          JdbcErrorCodes.COLUMN_NOT_FOUND,
          `Record field '${field}' is not a column of table '${this.table.name}'`,
          { context: { table: this.table.name, column: field } },
        );
      }
    }
    const present = new Set(fields);
    return this.table.columns.map((c) => c.name).filter((c) => present.has(c));
  }

  /** The parameters of a multi-row statement, row after row, in one preallocated array. */
  private batchParameters(ops: readonly RowOp[], columns: readonly string[]): unknown[] {
    const width = columns.length;
    const types = columns.map((c) => this.columnTypes.get(c) ?? '');
    const out = new Array<unknown>(ops.length * width);
    for (let r = 0; r < ops.length; r++) {
      const row = (ops[r] as RowOp).row;
      for (let c = 0; c < width; c++)
        out[r * width + c] = this.dialect.toParameter(row[columns[c] as string], types[c] as string);
    }
    return out;
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

function add(a: BatchOutcome, b: BatchOutcome): BatchOutcome {
  return { written: a.written + b.written, rejected: a.rejected + b.rejected };
}

/** The row's own enumerable fields are exactly `fields`, in that order. */
function hasFields(row: Row, fields: readonly string[]): boolean {
  let i = 0;
  for (const field in row) {
    if (!Object.hasOwn(row, field) || field !== fields[i]) return false;
    i++;
  }
  return i === fields.length;
}

function hasUndefined(row: Row, fields: readonly string[]): boolean {
  for (const field of fields) if (row[field] === undefined) return true;
  return false;
}
