import { basename } from 'node:path';
import type { FileRecord } from '@tributary/connector-files';
import { ORDER_CSV_COLUMNS } from './demo-dataset.js';

/** A valid order, typed, with the computed total: one Parquet row. */
export interface Order {
  readonly order_id: number;
  /** Midnight UTC of the order day (Parquet `date`). */
  readonly order_date: Date;
  readonly customer: string;
  readonly country: string;
  readonly product: string;
  readonly quantity: number;
  readonly unit_price: number;
  /** quantity × unit_price, rounded to cents. */
  readonly total: number;
  readonly channel: string;
}

/** A rejected row: one JSON line in the dead-letter output. */
export interface DeadLetter {
  readonly reason: string;
  readonly file: string;
  /** 1-based line in the file, or null when the reader started mid-file (after a restore). */
  readonly line: number | null;
  readonly fields: readonly string[];
}

/** What the transform emits: the routing sink sends orders to Parquet and dead letters to JSON Lines. */
export type DemoRecord = Order | DeadLetter;

/** True for a dead letter (the routing function). */
export function isDeadLetter(record: DemoRecord): record is DeadLetter {
  return 'reason' in record;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;

function parseDate(text: string): Date | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2024-13-01 over into 2025-01-01; a real date survives the round trip.
  return new Date(ms).toISOString().slice(0, 10) === text ? new Date(ms) : undefined;
}

/**
 * Validates and converts one CSV row (read as an array of strings, so that a row with the wrong
 * number of fields reaches this function instead of failing the reader). Returns null for the
 * header line.
 */
export function toDemoRecord(row: FileRecord<string[]>): DemoRecord | null {
  const fields = row.value;
  const dead = (reason: string): DeadLetter => ({
    reason,
    file: basename(row.path),
    line: row.line ?? null,
    fields,
  });
  if (fields.length !== ORDER_CSV_COLUMNS.length) {
    if (fields[0] === ORDER_CSV_COLUMNS[0]) return null;
    return dead(`expected ${ORDER_CSV_COLUMNS.length} fields, got ${fields.length}`);
  }
  const [id, date, customer, country, product, quantity, price, channel] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (id === ORDER_CSV_COLUMNS[0]) return null;
  if (!INTEGER.test(id)) return dead(`order_id is not an integer: ${JSON.stringify(id)}`);
  const orderDate = parseDate(date);
  if (orderDate === undefined) return dead(`order_date is not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  if (!INTEGER.test(quantity)) return dead(`quantity is not an integer: ${JSON.stringify(quantity)}`);
  if (!DECIMAL.test(price)) return dead(`unit_price is not a number: ${JSON.stringify(price)}`);
  const q = Number(quantity);
  const p = Number(price);
  return {
    order_id: Number(id),
    order_date: orderDate,
    customer,
    country,
    product,
    quantity: q,
    unit_price: p,
    total: Math.round(q * p * 100) / 100,
    channel,
  };
}
