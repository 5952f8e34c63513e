/**
 * Avro's JSON encoding (what avro-tools `tojson` prints and `fromjson` reads) for the interop
 * dataset, written and parsed here without any Avro library: unions as `{"branch": value}`, bytes
 * as one character per byte, longs as exact integers (parsed to bigints, never through a double).
 */
import type { HardRow } from './hard-values.js';

export const INTEROP_AVRO_SCHEMA = {
  type: 'record',
  name: 'Hard',
  namespace: 'dev.tributary.interop',
  fields: [
    { name: 'rn', type: 'int' },
    { name: 'id', type: 'long' },
    { name: 'i', type: ['null', 'int'] },
    { name: 's', type: ['null', 'string'] },
    { name: 'd', type: ['null', 'double'] },
    { name: 'dec', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 38, scale: 10 }] },
    { name: 'ts', type: ['null', { type: 'long', logicalType: 'timestamp-micros' }] },
    { name: 'day', type: ['null', { type: 'int', logicalType: 'date' }] },
    { name: 'ok', type: ['null', 'boolean'] },
    { name: 'b', type: ['null', 'bytes'] },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attrs', type: { type: 'map', values: ['null', 'long'] } },
    {
      name: 'inner',
      type: [
        'null',
        {
          type: 'record',
          name: 'Inner',
          fields: [
            { name: 'a', type: 'string' },
            { name: 'n', type: 'long' },
          ],
        },
      ],
    },
    { name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } },
  ],
};

/** The Avro record of a hard row, as Tributary reads it with `longs: 'bigint', decimals: 'string'`. */
export interface AvroHardRecord {
  rn: number;
  id: bigint;
  i: number | null;
  s: string | null;
  d: number | null;
  dec: string | null;
  ts: bigint | null;
  day: number | null;
  ok: boolean | null;
  b: Uint8Array | null;
  tags: string[];
  attrs: Record<string, bigint | null>;
  inner: { a: string; n: bigint } | null;
  color: 'RED' | 'GREEN';
}

export function avroRecordOf(r: HardRow): AvroHardRecord {
  return {
    rn: r.rn,
    id: r.id,
    i: r.i,
    s: r.s,
    d: r.d,
    dec: r.dec,
    ts: r.ts,
    day: r.day,
    ok: r.ok,
    // avsc (and so Tributary's Avro) takes bytes as Buffers.
    b: r.b === null ? null : Buffer.from(r.b),
    tags: r.s === null ? [] : [r.s, ''],
    attrs: r.i === null ? {} : { min: -(2n ** 63n), own: r.id, none: null },
    inner: r.ok === null ? null : { a: r.s ?? '', n: r.id },
    color: r.rn % 2 === 0 ? 'RED' : 'GREEN',
  };
}

// ---- writing Avro JSON ----

function str(s: string): string {
  return JSON.stringify(s);
}

function bytesText(b: Uint8Array): string {
  let out = '';
  for (const byte of b) out += String.fromCharCode(byte);
  return JSON.stringify(out);
}

function double(d: number): string {
  if (Number.isNaN(d)) return '"NaN"';
  if (d === Number.POSITIVE_INFINITY) return '"Infinity"';
  if (d === Number.NEGATIVE_INFINITY) return '"-Infinity"';
  return Object.is(d, -0) ? '-0.0' : String(d);
}

/** Two's-complement big-endian bytes of a decimal's unscaled value (written without our code). */
function decimalBytes(text: string, scale: number): Uint8Array {
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  let v = BigInt(`${whole}${fraction.padEnd(scale, '0')}`);
  if (text.startsWith('-')) v = -v;
  let hex = BigInt.asUintN(128, v).toString(16).padStart(32, '0');
  // Shortest form: drop leading bytes that only repeat the sign.
  while (
    hex.length > 2 &&
    ((hex.startsWith('00') && Number.parseInt(hex[2] as string, 16) < 8) ||
      (hex.startsWith('ff') && Number.parseInt(hex[2] as string, 16) >= 8))
  ) {
    hex = hex.slice(2);
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

const union = (branch: string, value: string | null) =>
  value === null ? 'null' : `{${str(branch)}:${value}}`;

/** One line of Avro JSON for `fromjson`. */
export function toAvroJson(r: AvroHardRecord): string {
  const attrs = Object.entries(r.attrs)
    .map(([k, v]) => `${str(k)}:${union('long', v === null ? null : v.toString())}`)
    .join(',');
  return `{${[
    `"rn":${r.rn}`,
    `"id":${r.id}`,
    `"i":${union('int', r.i === null ? null : String(r.i))}`,
    `"s":${union('string', r.s === null ? null : str(r.s))}`,
    `"d":${union('double', r.d === null ? null : double(r.d))}`,
    `"dec":${union('bytes', r.dec === null ? null : bytesText(decimalBytes(r.dec, 10)))}`,
    `"ts":${union('long', r.ts === null ? null : r.ts.toString())}`,
    `"day":${union('int', r.day === null ? null : String(r.day))}`,
    `"ok":${union('boolean', r.ok === null ? null : String(r.ok))}`,
    `"b":${union('bytes', r.b === null ? null : bytesText(r.b))}`,
    `"tags":[${r.tags.map(str).join(',')}]`,
    `"attrs":{${attrs}}`,
    `"inner":${union('dev.tributary.interop.Inner', r.inner === null ? null : `{"a":${str(r.inner.a)},"n":${r.inner.n}}`)}`,
    `"color":${str(r.color)}`,
  ].join(',')}}`;
}

// ---- reading Avro JSON ----

/** JSON with integers as bigints and other numbers as numbers (no precision lost). */
export function parseJsonExact(text: string): unknown {
  let at = 0;
  const ws = () => {
    while (at < text.length && ' \t\r\n'.includes(text[at] as string)) at++;
  };
  const value = (): unknown => {
    ws();
    const c = text[at];
    if (c === '{') {
      at++;
      const out: Record<string, unknown> = {};
      ws();
      if (text[at] === '}') {
        at++;
        return out;
      }
      for (;;) {
        ws();
        const key = value() as string;
        ws();
        at++; // :
        out[key] = value();
        ws();
        if (text[at++] === '}') return out;
      }
    }
    if (c === '[') {
      at++;
      const out: unknown[] = [];
      ws();
      if (text[at] === ']') {
        at++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[at++] === ']') return out;
      }
    }
    if (c === '"') {
      const start = at;
      at++;
      while (text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
      at++;
      return JSON.parse(text.slice(start, at));
    }
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null|NaN|-?Infinity)/.exec(text.slice(at, at + 400));
    if (m === null) throw new Error(`bad JSON at ${at}`);
    at += m[0].length;
    const token = m[0];
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token === 'null') return null;
    if (/^-?\d+$/.test(token)) return BigInt(token);
    return Number(token);
  };
  const out = value();
  return out;
}

function branch(v: unknown): unknown {
  if (v === null) return null;
  const values = Object.values(v as Record<string, unknown>);
  return values[0];
}

function num(v: unknown): number {
  if (typeof v === 'string') return Number(v); // "NaN", "Infinity", "-Infinity"
  return Number(v);
}

function bytesOf(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function decimalText(bytes: Uint8Array, scale: number): string {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes.length > 0 && (bytes[0] as number) & 0x80) v -= 1n << BigInt(bytes.length * 8);
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** A `tojson` line as the record it stands for. */
export function fromAvroJson(line: string): AvroHardRecord {
  const o = parseJsonExact(line) as Record<string, unknown>;
  const opt = <T>(v: unknown, f: (x: unknown) => T): T | null => {
    const b = branch(v);
    return b === null ? null : f(b);
  };
  const attrs: Record<string, bigint | null> = {};
  for (const [k, v] of Object.entries(o.attrs as Record<string, unknown>))
    attrs[k] = branch(v) as bigint | null;
  return {
    rn: Number(o.rn),
    id: o.id as bigint,
    i: opt(o.i, Number),
    s: opt(o.s, String),
    d: opt(o.d, num),
    dec: opt(o.dec, (x) => decimalText(bytesOf(x as string), 10)),
    ts: opt(o.ts, (x) => x as bigint),
    day: opt(o.day, Number),
    ok: opt(o.ok, (x) => x as boolean),
    b: opt(o.b, (x) => bytesOf(x as string)),
    tags: o.tags as string[],
    attrs,
    inner: opt(o.inner, (x) => x as { a: string; n: bigint }),
    color: o.color as 'RED' | 'GREEN',
  };
}
