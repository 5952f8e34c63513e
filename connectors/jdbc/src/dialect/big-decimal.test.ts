import { describe, expect, it } from 'vitest';
import { BigDecimal } from './big-decimal.js';
import { mysqlDialect } from './mysql-dialect.js';
import { postgresDialect } from './postgres-dialect.js';
import { sqliteDialect } from './sqlite-dialect.js';

describe('BigDecimal', () => {
  it('keeps every digit and the scale of the text it was read from', () => {
    const value = BigDecimal.parse('12345678901234567890.0123456789');
    expect(value.unscaled).toBe(123456789012345678900123456789n);
    expect(value.scale).toBe(10);
    expect(value.toString()).toBe('12345678901234567890.0123456789');
    expect(JSON.stringify({ value })).toBe('{"value":"12345678901234567890.0123456789"}');
    expect(BigDecimal.parse('-0.0500').toString()).toBe('-0.0500');
    expect(BigDecimal.parse('1.5e-3').toString()).toBe('0.0015');
    expect(BigDecimal.parse('12E+2').toString()).toBe('1200');
    expect(BigDecimal.from(0.1).toString()).toBe('0.1');
    expect(BigDecimal.from(2n ** 70n).toString()).toBe((2n ** 70n).toString());
  });

  it('compares by value, not by scale', () => {
    expect(BigDecimal.parse('1.50').equals(BigDecimal.parse('1.5'))).toBe(true);
    expect(BigDecimal.parse('-2').compareTo(BigDecimal.parse('1.99'))).toBe(-1);
    expect(BigDecimal.parse('0.3').compareTo(BigDecimal.parse('0.29999999999999999999'))).toBe(1);
  });

  it('refuses what is not an exact decimal', () => {
    expect(() => BigDecimal.parse('NaN')).toThrow(/not an exact decimal/);
    expect(() => BigDecimal.parse('1.2.3')).toThrow(/not an exact decimal/);
    expect(() => BigDecimal.parse('.')).toThrow(/not an exact decimal/);
    expect(() => BigDecimal.from(Number.POSITIVE_INFINITY)).toThrow(/infinite/);
  });

  it('every dialect binds it as its exact text', () => {
    const value = BigDecimal.parse('-12345678901234567890.5');
    for (const dialect of [postgresDialect, mysqlDialect, sqliteDialect])
      expect(dialect.toParameter(value, 'numeric(30,1)')).toBe('-12345678901234567890.5');
  });
});
