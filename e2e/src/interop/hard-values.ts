/**
 * The hard-values dataset of the interop suite: the values other systems and our formats most
 * easily disagree on (nulls vs empty strings, BOM and 4-byte characters, int64 extremes, decimals
 * at full precision, timestamps before 1970 and after 9999 with microseconds, NaN/±Infinity/−0.0,
 * strings beyond 64 KiB), then enough plain rows for many row groups and pages.
 *
 * Each row is kept in plain, format-neutral terms (bigint micros, day numbers, decimal text); the
 * tests turn it into each tool's own input and compare each tool's output against it.
 */
export interface HardRow {
  readonly rn: number;
  readonly id: bigint;
  readonly i: number | null;
  readonly s: string | null;
  readonly d: number | null;
  /** DECIMAL(38,10), as text with all 10 fraction digits. */
  readonly dec: string | null;
  /** Microseconds since 1970-01-01 UTC. */
  readonly ts: bigint | null;
  /** Days since 1970-01-01. */
  readonly day: number | null;
  readonly ok: boolean | null;
  readonly b: Uint8Array | null;
}

const LONG_STRING = 'long é𝄞 ✓ '.repeat(7000); // > 64 KiB of UTF-8, 4-byte characters in it

const SPECIAL: Omit<HardRow, 'rn'>[] = [
  { id: 0n, i: null, s: null, d: null, dec: null, ts: null, day: null, ok: null, b: null },
  { id: -1n, i: 0, s: '', d: 0, dec: '0.0000000000', ts: 0n, day: 0, ok: false, b: new Uint8Array(0) },
  {
    id: -(2n ** 63n),
    i: -(2 ** 31),
    s: '\uFEFF',
    d: Number.NaN,
    dec: '-9999999999999999999999999999.9999999999',
    ts: -500n,
    day: -719162,
    ok: true,
    b: new Uint8Array([0]),
  },
  {
    id: 2n ** 63n - 1n,
    i: 2 ** 31 - 1,
    s: '\uFEFFx',
    d: Number.POSITIVE_INFINITY,
    dec: '9999999999999999999999999999.9999999999',
    ts: 253402300799999999n,
    day: 2932896,
    ok: false,
    b: new Uint8Array([255, 0, 254]),
  },
  {
    id: -(2n ** 53n) - 1n,
    i: -1,
    s: '𝄞😀 4-byte',
    d: Number.NEGATIVE_INFINITY,
    dec: '12345678901234567890.0123456789',
    ts: -284040000000000n + 1n,
    day: -1,
    ok: null,
    b: null,
  },
  {
    id: 2n ** 53n + 1n,
    i: 1,
    s: 'a,b;"quoted"\ttab',
    d: -0,
    dec: '-0.0000000001',
    ts: -1n,
    day: 1,
    ok: true,
    b: new Uint8Array([1, 2, 3]),
  },
  {
    id: 42n,
    i: 42,
    s: 'line\nbreak\r\nand CRLF',
    d: 5e-324,
    dec: '0.0000000001',
    ts: 253402300800000000n,
    day: 10957,
    ok: false,
    b: new Uint8Array([0x50, 0x41, 0x52, 0x31]),
  },
  {
    id: 43n,
    i: 43,
    s: LONG_STRING,
    d: 1.7976931348623157e308,
    dec: '1.5000000000',
    ts: -62135596800000000n,
    day: 19000,
    ok: true,
    b: new Uint8Array(70_000).fill(7),
  },
  {
    id: 44n,
    i: 44,
    s: ' leading and trailing ',
    d: -1.5e-300,
    dec: '-1.0000000000',
    ts: 1_717_171_717_123_456n,
    day: 20000,
    ok: false,
    b: null,
  },
  {
    id: 45n,
    i: 45,
    s: '\\N',
    d: 0.1,
    dec: '100.0000000000',
    ts: -86_400_000_000n - 999n,
    day: -25000,
    ok: true,
    b: null,
  },
];

/** Special rows, then plain rows up to `total` (many row groups and pages). */
export function hardRows(total = 6000): HardRow[] {
  const rows: HardRow[] = SPECIAL.map((row, rn) => ({ rn, ...row }));
  for (let rn = rows.length; rn < total; rn++) {
    rows.push({
      rn,
      id: BigInt(rn) * 7_919_000_003n - 3_000_000_000_000n,
      i: (rn % 1000) - 500,
      s: rn % 11 === 0 ? null : `row ${rn} ${'é'.repeat(rn % 7)}`,
      d: rn % 13 === 0 ? null : rn / 7 - 300,
      dec: `${rn % 2 === 0 ? '-' : ''}${rn * 1_000_003}.${String(rn).padStart(10, '0')}`,
      ts: BigInt(rn) * 1_000_003_001n - 3_000_000_000_000n,
      day: rn - 3000,
      ok: rn % 3 === 0 ? null : rn % 2 === 0,
      b: rn % 5 === 0 ? null : new Uint8Array([rn & 255, rn >> 8]),
    });
  }
  return rows;
}

/** Floor division for bigints (timestamps before 1970). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

/** The exact ISO 8601 text of a microsecond timestamp: `1969-12-31T23:59:59.999500Z`. */
export function isoMicros(micros: bigint): string {
  const ms = floorDiv(micros, 1000n);
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, -1)}${String(micros - ms * 1000n).padStart(3, '0')}Z`;
}

/** A timestamp as a `Date`: milliseconds, floored. */
export function dateOfMicros(micros: bigint): Date {
  return new Date(Number(floorDiv(micros, 1000n)));
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}
