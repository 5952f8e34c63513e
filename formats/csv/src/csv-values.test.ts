import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvDeserializationSchema } from './csv-schemas.js';

const encode = (s: string) => new TextEncoder().encode(s);

describe('CSV timestamps without an offset', () => {
  const savedTz = process.env.TZ;
  // A process in another zone must not change what a file means.
  beforeAll(() => {
    process.env.TZ = 'America/New_York';
  });
  afterAll(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  const at = (text: string, timeZone?: string) =>
    (
      new CsvDeserializationSchema({
        columns: [{ name: 't', type: 'timestamp' }],
        ...(timeZone === undefined ? {} : { timeZone }),
      }).deserialize(encode(text)) as { t: Date }
    ).t.toISOString();

  it('are UTC, like dates and Parquet timestamps', () => {
    expect(at('2024-05-01T10:00:00')).toBe('2024-05-01T10:00:00.000Z');
    expect(at('2024-05-01 10:00:00.1234567')).toBe('2024-05-01T10:00:00.123Z');
    expect(at('1969-12-31 23:59:59.9995')).toBe('1969-12-31T23:59:59.999Z');
    expect(at('2024-05-01')).toBe('2024-05-01T00:00:00.000Z');
  });

  it('keep an explicit offset', () => {
    expect(at('2024-05-01T10:00:00+02:00')).toBe('2024-05-01T08:00:00.000Z');
    expect(at('2024-05-01T10:00:00-0530')).toBe('2024-05-01T15:30:00.000Z');
    expect(at('2024-05-01T10:00:00Z', 'Asia/Tokyo')).toBe('2024-05-01T10:00:00.000Z');
  });

  it('follow the timeZone option, across daylight saving changes', () => {
    expect(at('2024-01-15T12:00:00', 'Europe/Berlin')).toBe('2024-01-15T11:00:00.000Z');
    expect(at('2024-07-15T12:00:00', 'Europe/Berlin')).toBe('2024-07-15T10:00:00.000Z');
    expect(at('2024-07-15 12:00:00', 'America/Los_Angeles')).toBe('2024-07-15T19:00:00.000Z');
    expect(() => new CsvDeserializationSchema({ timeZone: 'Mars/Olympus' })).toThrow(/timeZone/);
  });

  it('reject impossible calendar values', () => {
    expect(() => at('2024-02-30T10:00:00')).toThrow(/timestamp/);
    expect(() => at('2024-05-01T24:00:00')).toThrow(/timestamp/);
  });
});

describe('CSV numbers', () => {
  it('accept nan, inf and -inf in any case, as pandas and DuckDB write them', () => {
    const de = new CsvDeserializationSchema({ columns: [{ name: 'n', type: 'number' }] });
    const n = (text: string) => (de.deserialize(encode(text)) as { n: number }).n;
    for (const text of ['nan', 'NaN', 'NAN', '-nan']) {
      if (text === '-nan') expect(() => n(text)).toThrow(/number/);
      else expect(n(text)).toBeNaN();
    }
    expect(n('inf')).toBe(Number.POSITIVE_INFINITY);
    expect(n('-inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(n('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(n('Infinity')).toBe(Number.POSITIVE_INFINITY);
    expect(n('-INFINITY')).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(n('-0.0'), -0)).toBe(true);
    expect(() => n('infinit')).toThrow(/number/);
  });
});
