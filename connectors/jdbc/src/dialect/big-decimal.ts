import { decimalToString } from '@tributary/core';

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * An exact DECIMAL/NUMERIC value: `unscaled × 10^-scale` with a bigint, so no digit is lost
 * (`12345678901234567890.0123456789` stays that). Read with `decimals: 'big-decimal'`; written
 * back as its text. No arithmetic beyond comparison: convert with `toString()` for a decimal
 * library of your choice, or `toNumber()` where a double is enough.
 */
export class BigDecimal {
  private constructor(
    /** The digits as an integer. */
    readonly unscaled: bigint,
    /** Digits after the point (as the database returned them, trailing zeros kept). */
    readonly scale: number,
  ) {}

  static of(unscaled: bigint, scale: number): BigDecimal {
    return new BigDecimal(unscaled, scale);
  }

  /** From decimal text (`-12.50`, `1e-7`); throws a TypeError naming the problem, not a guess. */
  static parse(text: string): BigDecimal {
    const match = DECIMAL_TEXT.exec(text.trim());
    if (match === null || (match[2] === '' && (match[3] ?? '') === ''))
      throw new TypeError(`not an exact decimal: ${JSON.stringify(text.slice(0, 40))}`);
    const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
    let unscaled = BigInt(`${whole}${fraction}` || '0');
    let scale = fraction.length - Number(exponent);
    if (scale < 0) {
      unscaled *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new BigDecimal(sign === '-' ? -unscaled : unscaled, scale);
  }

  /** Numbers are taken at their shortest round-trip text (`0.1` → 0.1 exactly as written). */
  static from(value: string | number | bigint | BigDecimal): BigDecimal {
    if (value instanceof BigDecimal) return value;
    if (typeof value === 'bigint') return new BigDecimal(value, 0);
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError('a decimal cannot be NaN or infinite');
    return BigDecimal.parse(String(value));
  }

  /** -1, 0 or 1, by value (`1.50` equals `1.5`). */
  compareTo(other: BigDecimal): number {
    const scale = Math.max(this.scale, other.scale);
    const a = this.unscaled * 10n ** BigInt(scale - this.scale);
    const b = other.unscaled * 10n ** BigInt(scale - other.scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equals(other: BigDecimal): boolean {
    return this.compareTo(other) === 0;
  }

  toString(): string {
    return decimalToString(this.unscaled, this.scale);
  }

  /** JSON carries the exact text. */
  toJSON(): string {
    return this.toString();
  }

  /** The nearest double (loses digits beyond ~15 significant ones). */
  toNumber(): number {
    return Number(this.toString());
  }
}
