import { type ChangeRecord, TributaryError } from '@tributary/core';
import type { Row } from '../dialect/dialect.js';
import { JdbcErrorCodes } from '../jdbc-error-codes.js';
import { Int32SlotTable } from './int32-slot-table.js';

/**
 * The buffered changes of one batch as parallel arrays, one entry per change (no object per row):
 * write `rows[i]` (insert or upsert), or, where `deletes[i]`, delete the row with `rows[i]`'s key.
 */
export interface RowBatch {
  readonly rows: readonly Row[];
  /** The record each row came from (what a dead-letter handler receives); `rows` itself for row input. */
  readonly records: readonly unknown[];
  /** True at the index of each delete; undefined when the batch has none. */
  readonly deletes: readonly boolean[] | undefined;
}

/** A batch of writes of `rows` (each row its own record). */
export function rowBatch(rows: readonly Row[]): RowBatch {
  return { rows, records: rows, deletes: undefined };
}

/** One change taken out of a batch (the slow paths: per-row retries, dead letters). */
export interface RowOp {
  readonly kind: 'write' | 'delete';
  readonly row: Row;
  readonly record: unknown;
}

/** The change at `index` of `batch`. */
export function opAt(batch: RowBatch, index: number): RowOp {
  return {
    kind: batch.deletes?.[index] === true ? 'delete' : 'write',
    row: batch.rows[index] as Row,
    record: batch.records[index],
  };
}

/**
 * Reads a change-log record (a core {@link ChangeRecord}, what the MySQL CDC source and the
 * Debezium/Canal formats produce) as the row it writes or deletes.
 */
export function changeOf(record: unknown): { readonly row: Row; readonly isDelete: boolean } {
  const change = record as Partial<ChangeRecord<Row>> | null;
  switch (change?.op) {
    case 'c':
    case 'r':
    case 'u':
      if (change.after === null || typeof change.after !== 'object')
        throw invalidRecord(`a change with op '${change.op}' needs an 'after' row`, record);
      return { row: change.after, isDelete: false };
    case 'd': {
      const row = change.before ?? change.after;
      if (row === null || typeof row !== 'object')
        throw invalidRecord("a change with op 'd' needs a 'before' row (its key columns at least)", record);
      return { row, isDelete: true };
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
 * in its place (last write wins, as Flink's buffer-reduce executor does), so a batch holds one
 * change per key and their order no longer matters; without keys (appends) every row is kept, in
 * order. This is the sink's per-record path: a row costs an array slot (and, with keys, a probe of
 * a typed-array table for int32 keys, else a Map entry), never an object of its own.
 */
export class ReducingBuffer {
  /** Sized for a usual batch up front (it grows past it): no array regrown row by row. */
  private rows: Row[];
  private count = 0;
  /** Input records, kept apart from rows only for a change log (row input: the rows themselves). */
  private records: unknown[] | undefined;
  private deletes: boolean[] | undefined;
  private hasDeletes = false;
  /** Slot of each int32 value of a single key column: no hashing of JS values, no allocation. */
  private readonly int32Slots: Int32SlotTable | undefined;
  /** Slot of any other single-column key value (a Map tells 1.5, '1' and 1n apart). */
  private readonly valueSlots = new Map<string | number | bigint, number>();
  /** Slot of any other key, by {@link keyText} (a separate map, so no text can equal a value). */
  private readonly textSlots = new Map<string, number>();
  private readonly singleKey: string | undefined;
  private readonly expectedRows: number;

  constructor(
    private readonly keys: readonly string[] | undefined,
    private readonly changelog: boolean,
    /** Rows a batch usually holds (sizes the row array and key table; both grow past it). */
    batchRows = 1024,
  ) {
    // Capped: a huge batch size with small interval flushes should not allocate huge arrays.
    const expectedRows = Math.min(batchRows, 16_384);
    this.expectedRows = expectedRows;
    this.rows = new Array<Row>(expectedRows);
    if (changelog) {
      this.records = [];
      this.deletes = [];
    }
    this.singleKey = keys?.length === 1 ? keys[0] : undefined;
    this.int32Slots = this.singleKey === undefined ? undefined : new Int32SlotTable(expectedRows);
  }

  /** Buffers one input record: a row, or with `changelog` a {@link ChangeRecord}. */
  add(record: unknown): void {
    if (this.changelog) {
      const { row, isDelete } = changeOf(record);
      this.put(row, record, isDelete);
      return;
    }
    if (record === null || typeof record !== 'object')
      throw invalidRecord('a row record must be an object (column → value)', record);
    this.put(record as Row, record, false);
  }

  private put(row: Row, record: unknown, isDelete: boolean): void {
    const rows = this.rows;
    const slot = this.keys === undefined ? -1 : this.slotOf(row, this.count);
    if (slot < 0) {
      rows[this.count++] = row;
      this.records?.push(record);
      this.deletes?.push(isDelete);
    } else {
      rows[slot] = row;
      if (this.records !== undefined) this.records[slot] = record;
      if (this.deletes !== undefined) this.deletes[slot] = isDelete;
    }
    if (isDelete) this.hasDeletes = true;
  }

  /** The slot already holding `row`'s key, or -1 after recording `next` as its slot. */
  private slotOf(row: Row, next: number): number {
    const single = this.singleKey;
    if (single !== undefined) {
      const value = row[single];
      if (typeof value === 'number' && (value | 0) === value)
        return (this.int32Slots as Int32SlotTable).slotOf(value, next);
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint')
        return slotIn(this.valueSlots, value, next);
    }
    return slotIn(this.textSlots, keyText(row, this.keys as readonly string[]), next);
  }

  get size(): number {
    return this.count;
  }

  /** Takes the buffered changes out (the buffer is empty afterwards). */
  drain(): RowBatch {
    const rows = this.rows;
    if (rows.length !== this.count) rows.length = this.count;
    const batch: RowBatch = {
      rows,
      records: this.records ?? rows,
      deletes: this.hasDeletes ? this.deletes : undefined,
    };
    this.rows = new Array<Row>(this.expectedRows);
    this.count = 0;
    if (this.changelog) {
      this.records = [];
      this.deletes = [];
    }
    this.hasDeletes = false;
    if (this.keys !== undefined) {
      this.int32Slots?.clear();
      if (this.valueSlots.size > 0) this.valueSlots.clear();
      if (this.textSlots.size > 0) this.textSlots.clear();
    }
    return batch;
  }
}

function slotIn<K>(slots: Map<K, number>, key: K, next: number): number {
  const slot = slots.get(key);
  if (slot !== undefined) return slot;
  slots.set(key, next);
  return -1;
}
