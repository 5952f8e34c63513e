import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dateFromEpochDays,
  epochDaysFromDate,
  epochFromTimestamp,
  timeFromUnits,
  timestampFromEpoch,
  unitsFromTime,
  utcTextFromZoned,
  zonedFromUtcText,
} from './connect-temporal.js';

// Years 1000–9999 (MySQL's DATE range) in days since the epoch.
const MIN_DAY = -354_285;
const MAX_DAY = 2_932_896;
const iso = (ms: number) => new Date(ms).toISOString();

describe('Debezium temporal values ↔ MySQL text', () => {
  it('agrees with the JavaScript Date calendar on every day of MySQL’s DATE range, both ways', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_DAY, max: MAX_DAY }), (days) => {
        const text = dateFromEpochDays(days);
        expect(text).toBe(iso(days * 86_400_000).slice(0, 10));
        expect(epochDaysFromDate(text)).toBe(days);
      }),
      { numRuns: 2000, seed: 7 },
    );
    expect(dateFromEpochDays(0)).toBe('1970-01-01');
    expect(dateFromEpochDays(-1)).toBe('1969-12-31');
    expect(dateFromEpochDays(19_782)).toBe('2024-02-29');
    expect(epochDaysFromDate('2024-02-30x')).toBeUndefined();
  });

  it('renders epoch micro-, milli- and nanoseconds as UTC text with the unit’s fraction, and back', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_DAY * 86_400_000, max: MAX_DAY * 86_400_000 }), (ms) => {
        const expected = iso(ms).replace('T', ' ').replace('Z', '');
        expect(timestampFromEpoch(ms, 3)).toBe(expected);
        expect(timestampFromEpoch(BigInt(ms) * 1000n + 7n, 6)).toBe(`${expected}007`);
        expect(epochFromTimestamp(`${expected}007`, 6)).toBe(BigInt(ms) * 1000n + 7n);
      }),
      { numRuns: 2000, seed: 11 },
    );
    expect(timestampFromEpoch(1_709_251_199_999_999, 6)).toBe('2024-02-29 23:59:59.999999');
    expect(timestampFromEpoch(-1, 6)).toBe('1969-12-31 23:59:59.999999');
    expect(timestampFromEpoch(1_000_000_000_000_000_001n, 9)).toBe('2001-09-09 01:46:40.000000001');
    expect(epochFromTimestamp('2000-01-01 12:00:00.5', 6)).toBe(946_728_000_500_000n);
    // A fraction finer than the unit would be lost: refused.
    expect(epochFromTimestamp('2000-01-01 12:00:00.0000001', 6)).toBeUndefined();
    expect(epochFromTimestamp('2000-01-01 12:00:00.0000000', 6)).toBe(946_728_000_000_000n);
  });

  it('renders durations (negative, beyond 24 hours) like MySQL TIME, and back', () => {
    expect(timeFromUnits(-3_020_399_000_000, 6)).toBe('-838:59:59.000000');
    expect(timeFromUnits(45_296_789_000, 6)).toBe('12:34:56.789000');
    expect(timeFromUnits(1, 6)).toBe('00:00:00.000001');
    expect(timeFromUnits(-1, 3)).toBe('-00:00:00.001');
    fc.assert(
      fc.property(fc.integer({ min: -3_020_399_999_999, max: 3_020_399_999_999 }), (us) => {
        expect(unitsFromTime(timeFromUnits(us, 6), 6)).toBe(BigInt(us));
      }),
      { numRuns: 1000, seed: 5 },
    );
  });

  it('maps ZonedTimestamp’s UTC ISO text to and from MySQL’s', () => {
    expect(utcTextFromZoned('2038-01-19T03:14:07.999999Z')).toBe('2038-01-19 03:14:07.999999');
    expect(utcTextFromZoned('2038-01-19T03:14:07+02:00')).toBeUndefined();
    expect(zonedFromUtcText('2038-01-19 03:14:07.999999')).toBe('2038-01-19T03:14:07.999999Z');
  });
});
