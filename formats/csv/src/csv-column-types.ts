import type { CsvColumnType } from './csv-format-options.js';
import { parseTimestamp, type TimeZoneOffsets } from './csv-timestamps.js';

/** Returned by {@link parseCsvValue} when the text does not convert; the reason is in `conversionProblem.reason`. */
export const BAD_VALUE: unique symbol = Symbol('tributary.csv.bad-value');

/** Why the last conversion failed (a shared slot: no allocation on the hot path). */
export const conversionProblem = { reason: '' };

function bad(reason: string): typeof BAD_VALUE {
  conversionProblem.reason = reason;
  return BAD_VALUE;
}

const NOT_A_DATE = -1e20;
const INVALID_DATE = -2e20;

/**
 * `YYYY-MM-DD` in `text[from, to)` → epoch milliseconds of that UTC midnight, read from char codes
 * (no regex match, substrings or Date setters: a date column is on the hot path of every row).
 * Returns {@link NOT_A_DATE} for another shape and {@link INVALID_DATE} for a day the month lacks.
 */
function parseIsoDate(text: string, from = 0, to = text.length): number {
  if (to - from !== 10 || text.charCodeAt(from + 4) !== 45 || text.charCodeAt(from + 7) !== 45)
    return NOT_A_DATE;
  const year = decimal(text, from, from + 4);
  const month = decimal(text, from + 5, from + 7);
  const day = decimal(text, from + 8, from + 10);
  if (year < 0 || month < 0 || day < 0) return NOT_A_DATE;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return INVALID_DATE;
  if (year >= 100) return Date.UTC(year, month - 1, day);
  // Date.UTC maps years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

/** The ASCII digits `text[from..to)` as a number, or -1 when one is not a digit. */
function decimal(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Proleptic Gregorian, as JavaScript's Date. */
function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1] as number;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}
/** Spellings of the special doubles other tools write (pandas, DuckDB, Spark, Postgres), any case. */
const SPECIAL_NUMBERS: Record<string, number> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
};
const DIGITS = /^-?\d+$/;

/**
 * Converts the text of a non-empty field to `type`. Empty fields never get here: they are null (or
 * `''` for strings) before conversion. Reasons name the expected type, never the text.
 */
export function parseCsvValue(type: CsvColumnType, text: string, zone?: TimeZoneOffsets): unknown {
  switch (type) {
    case 'string':
      return text;
    case 'number': {
      const n = Number(text);
      if (Number.isNaN(n)) {
        const special = text.length <= 10 ? SPECIAL_NUMBERS[text.trim().toLowerCase()] : undefined;
        return special === undefined ? bad('not a number') : special;
      }
      if (n === 0 && text.trim().length === 0) return bad('not a number');
      return n;
    }
    case 'integer': {
      const n = Number(text);
      // Number('  ') is 0: only a zero needs the blank check.
      if (!Number.isSafeInteger(n) || (n === 0 && text.trim().length === 0))
        return bad('not an integer (or beyond ±2^53)');
      return n;
    }
    case 'boolean': {
      const lower = text.length <= 5 ? text.toLowerCase() : '';
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      return bad('not a boolean (true or false)');
    }
    case 'date':
      return dateOf(parseIsoDate(text));
    case 'timestamp': {
      if (DIGITS.test(text)) return new Date(Number(text));
      const ms = parseTimestamp(text, zone);
      if (Number.isNaN(ms)) return bad('not a timestamp (ISO-8601 or epoch milliseconds)');
      return new Date(ms);
    }
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        return bad('not valid JSON');
      }
  }
}

function dateOf(ms: number): Date | typeof BAD_VALUE {
  if (ms === NOT_A_DATE) return bad('not a date (YYYY-MM-DD)');
  if (ms === INVALID_DATE) return bad('not a valid calendar date');
  return new Date(ms);
}

const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);
/** Digits a plain decimal may have for {@link plainDecimal}: its digits as an integer stay below 2^53. */
const MAX_PLAIN_DIGITS = 15;

/**
 * `text[from, to)` as `Number()` reads it when it is a plain decimal (`[+-]digits[.digits]`, at least
 * one digit, at most 15), read from char codes without a substring; NaN for any other text (exponents,
 * spaces, hex, `Infinity`, more digits), which the caller then hands to `Number()`. Exact: the digits
 * form an integer below 2^53 and the divisor is a power of ten below 10^22, both exact doubles, and
 * IEEE division rounds their quotient correctly, which is the value `Number()` rounds the text to.
 */
export function plainDecimal(text: string, from: number, to: number): number {
  let i = from;
  const first = text.charCodeAt(i);
  const negative = first === 45; // '-'
  if (negative || first === 43) i++; // '+'
  let digits = 0;
  let mantissa = 0;
  let scale = 0;
  let dot = false;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      digits++;
      if (dot) scale++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      return Number.NaN;
    }
  }
  if (digits === 0 || digits > MAX_PLAIN_DIGITS) return Number.NaN;
  const value = scale === 0 ? mantissa : mantissa / (POWERS_OF_TEN[scale] as number);
  return negative ? -value : value;
}

/**
 * {@link parseCsvValue} of the non-empty field `line[from, to)`. Integers, plain decimals and dates are
 * read in place (no substring per field); any other text, and every error, goes through
 * `parseCsvValue` on the substring, so results and reasons are the same.
 */
export function parseCsvValueIn(
  type: CsvColumnType,
  line: string,
  from: number,
  to: number,
  zone?: TimeZoneOffsets,
): unknown {
  switch (type) {
    case 'string':
      return line.slice(from, to);
    case 'number': {
      const n = plainDecimal(line, from, to);
      if (!Number.isNaN(n)) return n;
      break;
    }
    case 'integer': {
      const n = plainDecimal(line, from, to);
      if (Number.isSafeInteger(n)) return n;
      break;
    }
    case 'date': {
      const ms = parseIsoDate(line, from, to);
      if (ms !== NOT_A_DATE && ms !== INVALID_DATE) return new Date(ms);
      break;
    }
  }
  return parseCsvValue(type, line.slice(from, to), zone);
}

/** Text of a non-null value for a column of `type` (or of unknown type when undefined). */
export function formatCsvValue(value: unknown, type: CsvColumnType | undefined): string | typeof BAD_VALUE {
  switch (typeof value) {
    case 'string':
      return type === 'json' ? JSON.stringify(value) : value;
    case 'number':
      if (type === 'json')
        return Number.isFinite(value) ? JSON.stringify(value) : bad('number is not finite JSON');
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) return bad('invalid Date');
        const iso = value.toISOString();
        return type === 'date' ? iso.slice(0, iso.indexOf('T')) : iso;
      }
      try {
        return JSON.stringify(value);
      } catch {
        return bad('value cannot be written as JSON');
      }
    default:
      return bad(`a ${typeof value} cannot be written to CSV`);
  }
}
