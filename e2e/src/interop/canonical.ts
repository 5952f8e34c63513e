import { createHash } from 'node:crypto';
import { type HardRow, hex } from './hard-values.js';

/** A hard row in the terms of {@link canonicalSelect}: what DuckDB must report for it. */
export type CanonicalRow = {
  rn: number;
  id: string;
  i: number | null;
  s: string | null;
  d: number | null;
  dec: string | null;
  ts: string | null;
  day: number | null;
  ok: boolean | null;
  b: string | null;
};

export function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

export function canonical(row: HardRow): CanonicalRow {
  return {
    rn: row.rn,
    id: row.id.toString(),
    i: row.i,
    s: row.s === null ? null : md5(row.s),
    d: row.d,
    dec: row.dec,
    ts: row.ts === null ? null : row.ts.toString(),
    day: row.day,
    ok: row.ok,
    b: row.b === null ? null : hex(row.b),
  };
}

/**
 * Compares rows field by field (Object.is: NaN equals NaN, −0 differs from 0) and reports the
 * first differences by row number, so a failure says which value changed.
 */
export function differences(
  actual: readonly Record<string, unknown>[],
  expected: readonly Record<string, unknown>[],
): string[] {
  const out: string[] = [];
  if (actual.length !== expected.length) out.push(`row count ${actual.length}, expected ${expected.length}`);
  for (let r = 0; r < Math.min(actual.length, expected.length) && out.length < 10; r++) {
    const a = actual[r] as Record<string, unknown>;
    const e = expected[r] as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!same(a[key], e[key])) out.push(`row ${r} ${key}: got ${show(a[key])}, expected ${show(e[key])}`);
    }
  }
  return out;
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b);
}

function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return `bytes(${v.length})`;
  const text =
    typeof v === 'string'
      ? JSON.stringify(v)
      : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
  return text === undefined ? String(v) : text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
