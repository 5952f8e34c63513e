/**
 * Exact decimals for formats with a DECIMAL(precision, scale) type (Parquet, Avro): the unscaled
 * integer as a bigint, converted to and from decimal text without going through a double.
 */

/** How decimals appear in JS: exact strings, nearest doubles, or 'auto' (string when precision > 15). */
export type DecimalsMode = 'auto' | 'string' | 'number';

/** Doubles hold every decimal of up to 15 significant digits exactly enough to print it back. */
export const MAX_EXACT_DOUBLE_DIGITS = 15;

/** `unscaled × 10^-scale` as plain decimal text: `-0.05`, `12345678901234567890.0123456789`. */
export function decimalToString(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  } else if (scale < 0) {
    digits = unscaled === 0n ? '0' : digits + '0'.repeat(-scale);
  }
  return negative ? `-${digits}` : digits;
}

/** The JS value of a decimal in `mode`. */
export function decimalValue(
  unscaled: bigint,
  precision: number,
  scale: number,
  mode: DecimalsMode,
): string | number {
  const text = decimalToString(unscaled, scale);
  const exact = mode === 'string' || (mode === 'auto' && precision > MAX_EXACT_DOUBLE_DIGITS);
  return exact ? text : Number(text);
}

const DECIMAL_TEXT = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/**
 * The unscaled integer of a value for DECIMAL(precision, scale): a decimal string (`"-12.50"`), a
 * number (taken at `scale` digits, as `toFixed` rounds it) or a bigint. Throws an Error whose message
 * names the problem, never the value; a string with more fraction digits than `scale` is rejected
 * rather than rounded.
 */
export function toUnscaledDecimal(value: unknown, precision: number, scale: number): bigint {
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'bigint') text = value.toString();
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('a decimal cannot be NaN or infinite');
    text =
      Math.abs(value) < 1e21 ? value.toFixed(Math.max(0, Math.min(scale, 100))) : BigInt(value).toString();
  } else throw new Error(`expected a decimal string, number or bigint, got ${typeOf(value)}`);
  const match = DECIMAL_TEXT.exec(text);
  if (match === null) throw new Error('not a plain decimal number (digits with an optional point)');
  const [, sign, whole, fraction = ''] = match as unknown as [string, string, string, string?];
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > Math.max(scale, 0)) {
    throw new Error(`more fraction digits than the scale ${scale}`);
  }
  let unscaled = BigInt(whole + significant.padEnd(Math.max(scale, 0), '0'));
  if (scale < 0) {
    const factor = 10n ** BigInt(-scale);
    if (unscaled % factor !== 0n) throw new Error(`not a multiple of 10^${-scale} (scale ${scale})`);
    unscaled /= factor;
  }
  if (unscaled.toString().length > precision && unscaled !== 0n) {
    throw new Error(`more than ${precision} digits (the precision)`);
  }
  return sign === '-' ? -unscaled : unscaled;
}

/** A big-endian two's-complement integer (Parquet FIXED/BYTE_ARRAY decimals, Avro decimals). */
export function unscaledFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const bits = BigInt(bytes.length * 8);
  return (bytes[0] as number) & 0x80 ? value - (1n << bits) : value;
}

/**
 * `unscaled` as big-endian two's complement: in `size` bytes (sign-extended; undefined when it does
 * not fit) or, without `size`, in as few bytes as hold it.
 */
export function unscaledToBytes(unscaled: bigint, size?: number): Uint8Array | undefined {
  let length = 1;
  while (unscaled < -(1n << BigInt(length * 8 - 1)) || unscaled >= 1n << BigInt(length * 8 - 1)) length++;
  if (size !== undefined && length > size) return undefined;
  const out = new Uint8Array(size ?? length);
  let v = BigInt.asUintN(out.length * 8, unscaled);
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return 'a Date';
  return `a ${typeof value}`;
}
