import { type ChangeRecord, TributaryError } from '@tributary/core';
import type { Row } from '../dialect/dialect.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';

/** One pending change: write `row` (insert or upsert) or delete the row with `row`'s key. */
export interface RowOp {
  readonly kind: 'write' | 'delete';
  readonly row: Row;
  /** The record it came from (what a dead-letter handler receives). */
  readonly record: unknown;
}

/**
 * Turns an input record into a RowOp. With `input: 'changelog'` the record is a core
 * {@link ChangeRecord} (what the MySQL CDC source and the Debezium/Canal formats produce).
 */
export function toRowOp(record: unknown, changelog: boolean): RowOp {
  if (!changelog) {
    if (record === null || typeof record !== 'object')
      throw invalidRecord('a row record must be an object (column → value)', record);
    return { kind: 'write', row: record as Row, record };
  }
  const change = record as Partial<ChangeRecord<Row>> | null;
  switch (change?.op) {
    case 'c':
    case 'r':
    case 'u':
      if (change.after === null || typeof change.after !== 'object')
        throw invalidRecord(`a change with op '${change.op}' needs an 'after' row`, record);
      return { kind: 'write', row: change.after, record };
    case 'd': {
      const row = change.before ?? change.after;
      if (row === null || typeof row !== 'object')
        throw invalidRecord("a change with op 'd' needs a 'before' row (its key columns at least)", record);
      return { kind: 'delete', row, record };
    }
    default:
      throw invalidRecord(`unknown change op ${JSON.stringify(change?.op)} (expected c, r, u or d)`, record);
  }
}

function invalidRecord(reason: string, record: unknown): TributaryError {
  return new TributaryError(JdbcErrorCodes.INVALID_TABLE_OPTIONS, `Cannot write record: ${reason}`, {
    context: { recordType: record === null ? 'null' : typeof record },
  });
}

/** A stable text of a row's key values (bigints and strings kept apart). */
export function keyText(row: Row, keys: readonly string[]): string {
  return keys
    .map((k) => {
      const v = row[k];
      return typeof v === 'bigint'
        ? `n${v}`
        : v instanceof Date
          ? `d${v.toISOString()}`
          : JSON.stringify(v ?? null);
    })
    .join('\u0000');
}

/**
 * The buffered changes of one batch. With keys, a later change of a key replaces the earlier one
 * (last write wins, as Flink's buffer-reduce executor does), so a batch holds one change per key
 * and their order no longer matters; without keys (appends) every row is kept, in order.
 */
export class ReducingBuffer {
  /** One key column holding a string, number or bigint: keyed by the value itself. */
  private readonly byValue = new Map<string | number | bigint, RowOp>();
  /** Any other key: keyed by {@link keyText} (a separate map, so no text can equal a value). */
  private readonly byText = new Map<string, RowOp>();
  private readonly appended: RowOp[] = [];

  constructor(private readonly keys: readonly string[] | undefined) {}

  add(op: RowOp): void {
    const keys = this.keys;
    if (keys === undefined) {
      this.appended.push(op);
      return;
    }
    // Delete a then re-insert keeps Map order stable enough: order is irrelevant once keys are unique.
    if (keys.length === 1) {
      // The common single-column key: no text built per row (a Map tells 1, '1' and 1n apart).
      const value = op.row[keys[0] as string];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
        this.byValue.set(value, op);
        return;
      }
    }
    this.byText.set(keyText(op.row, keys), op);
  }

  get size(): number {
    return this.keys === undefined ? this.appended.length : this.byValue.size + this.byText.size;
  }

  /** Takes the buffered changes out (the buffer is empty afterwards). */
  drain(): RowOp[] {
    if (this.keys === undefined) return this.appended.splice(0);
    const ops = [...this.byValue.values(), ...this.byText.values()];
    this.byValue.clear();
    this.byText.clear();
    return ops;
  }
}
