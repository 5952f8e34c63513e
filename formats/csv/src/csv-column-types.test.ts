import { describe, expect, it } from 'vitest';
import { BAD_VALUE, conversionProblem, parseCsvValue } from './csv-column-types.js';

/** What a date column meant before the char-code parser: regex, then Date setters (the reference). */
function referenceDate(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return 'bad: not a date (YYYY-MM-DD)';
  const date = new Date(0);
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (date.getUTCDate() !== Number(m[3]) || date.getUTCMonth() !== Number(m[2]) - 1)
    return 'bad: not a valid calendar date';
  return date.toISOString();
}

function parsedDate(text: string): string {
  const value = parseCsvValue('date', text);
  return value === BAD_VALUE ? `bad: ${conversionProblem.reason}` : (value as Date).toISOString();
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('date columns', () => {
  it('agree with the calendar for every month and day of boundary and leap years', () => {
    const years = [0, 1, 4, 99, 100, 400, 1582, 1899, 1900, 1970, 2000, 2023, 2024, 2100, 9999];
    let compared = 0;
    for (const year of years)
      for (let month = 0; month <= 13; month++)
        for (let day = 0; day <= 32; day++) {
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
          expect(parsedDate(text), text).toBe(referenceDate(text));
          compared++;
        }
    expect(compared).toBe(15 * 14 * 33);
    expect(parsedDate('2024-02-29')).toBe('2024-02-29T00:00:00.000Z');
    expect(parsedDate('1900-02-29')).toBe('bad: not a valid calendar date');
    expect(parsedDate('0099-12-31')).toBe('0099-12-31T00:00:00.000Z');
  });

  it('reject other shapes with the same reason as before', () => {
    for (const text of [
      '2024-5-01',
      '2024/05/01',
      '24-05-01',
      '2024-05-011',
      ' 2024-05-01',
      '2024-0a-01',
      '２０２４-05-01',
      '+024-05-01',
      '2024-05-01T00:00',
    ])
      expect(parsedDate(text), text).toBe(referenceDate(text));
  });
});

describe('integer columns', () => {
  it('take safe integers and refuse blanks, fractions and the unsafe', () => {
    expect(parseCsvValue('integer', '0')).toBe(0);
    expect(parseCsvValue('integer', '-42')).toBe(-42);
    for (const text of [' ', '\t', '1.5', '9007199254740993', 'x'])
      expect(parseCsvValue('integer', text), JSON.stringify(text)).toBe(BAD_VALUE);
  });
});
