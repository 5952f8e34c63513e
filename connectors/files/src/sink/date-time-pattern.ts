import { InvalidOptionsError } from '@tributary/core';

/** A token of a date-time pattern, smallest unit last in {@link UNIT_ORDER}. */
type Token = 'yyyy' | 'MM' | 'dd' | 'HH' | 'mm' | 'ss';
type Part = { readonly token: Token } | { readonly literal: string };

const TOKENS: readonly Token[] = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss'];
const UNIT_ORDER: readonly Token[] = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss'];
const WIDTH: Record<Token, number> = { yyyy: 4, MM: 2, dd: 2, HH: 2, mm: 2, ss: 2 };

/** Wall-clock fields in a time zone (month 1-12). */
interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The time range a bucket covers: `[start, end)` in ms since the epoch. */
export interface TimeRange {
  readonly start: number;
  readonly end: number;
}

/**
 * A Java-style date-time pattern (`yyyy-MM-dd--HH`, the FileSink default) that formats instants in
 * a time zone and maps a formatted bucket id back to the time range it covers (needed to decide
 * when a time bucket is complete for `_SUCCESS` markers).
 *
 * Supported tokens: `yyyy MM dd HH mm ss`; text in single quotes is literal. Time zones: `UTC`, a
 * fixed offset such as `+05:30`, or an IANA name (`Europe/Berlin`, via `Intl`). In IANA zones with
 * daylight saving, the hour that repeats when clocks go back is one bucket covering both passes.
 *
 * Formatting caches the range of the last bucket, so consecutive records of one hour cost one
 * comparison each, not an `Intl` call.
 */
export class DateTimePattern {
  private readonly parts: Part[];
  private readonly unit: Token;
  private readonly fixedOffsetMs: number | undefined;
  private readonly intl: Intl.DateTimeFormat | undefined;
  private cached: { start: number; end: number; id: string } | undefined;

  constructor(
    readonly pattern: string,
    readonly timeZone = 'UTC',
  ) {
    this.parts = parsePattern(pattern);
    const tokens = this.parts.flatMap((p) => ('token' in p ? [p.token] : []));
    if (tokens.length === 0) {
      throw new InvalidOptionsError('files.bucketAssigner', [
        {
          key: 'files.bucketAssigner.pattern',
          message: `pattern '${pattern}' has no date-time token (yyyy MM dd HH mm ss)`,
        },
      ]);
    }
    this.unit = UNIT_ORDER.filter((t) => tokens.includes(t)).at(-1) as Token;
    this.fixedOffsetMs = parseFixedOffset(timeZone);
    if (this.fixedOffsetMs === undefined) {
      try {
        this.intl = new Intl.DateTimeFormat('en-US', {
          timeZone,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        });
      } catch (cause) {
        throw new InvalidOptionsError('files.bucketAssigner', [
          {
            key: 'files.bucketAssigner.timeZone',
            message: `unknown time zone '${timeZone}' (${String(cause)})`,
          },
        ]);
      }
    }
  }

  /** The bucket id of an instant. */
  format(ms: number): string {
    const c = this.cached;
    if (c !== undefined && ms >= c.start && ms < c.end) return c.id;
    const range = this.rangeOf(ms);
    const id = this.render(this.localFields(range.start));
    this.cached = { start: range.start, end: range.end, id };
    return id;
  }

  /** The range `[start, end)` of the bucket holding `ms`. */
  rangeOf(ms: number): TimeRange {
    const f = this.localFields(ms);
    const start = truncate(f, this.unit);
    return { start: this.toInstant(start), end: this.toInstant(increment(start, this.unit)) };
  }

  /** The range a formatted id covers, or undefined when `id` does not match the pattern. */
  parse(id: string): TimeRange | undefined {
    const f: Fields = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
    let at = 0;
    for (const part of this.parts) {
      if ('literal' in part) {
        if (!id.startsWith(part.literal, at)) return undefined;
        at += part.literal.length;
        continue;
      }
      const text = id.slice(at, at + WIDTH[part.token]);
      if (!/^\d+$/.test(text) || text.length !== WIDTH[part.token]) return undefined;
      setField(f, part.token, Number(text));
      at += text.length;
    }
    if (at !== id.length) return undefined;
    return { start: this.toInstant(f), end: this.toInstant(increment(f, this.unit)) };
  }

  private render(f: Fields): string {
    let out = '';
    for (const part of this.parts) {
      if ('literal' in part) out += part.literal;
      else out += String(getField(f, part.token)).padStart(WIDTH[part.token], '0');
    }
    return out;
  }

  private localFields(ms: number): Fields {
    if (this.fixedOffsetMs !== undefined) return utcFields(ms + this.fixedOffsetMs);
    const f: Fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    for (const p of (this.intl as Intl.DateTimeFormat).formatToParts(ms)) {
      if (p.type === 'year') f.year = Number(p.value);
      else if (p.type === 'month') f.month = Number(p.value);
      else if (p.type === 'day') f.day = Number(p.value);
      else if (p.type === 'hour') f.hour = Number(p.value);
      else if (p.type === 'minute') f.minute = Number(p.value);
      else if (p.type === 'second') f.second = Number(p.value);
    }
    return f;
  }

  /** Wall-clock fields in the zone → instant (two fixed-point steps settle DST offsets). */
  private toInstant(f: Fields): number {
    const wall = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
    if (this.fixedOffsetMs !== undefined) return wall - this.fixedOffsetMs;
    let guess = wall - this.offsetAt(wall);
    guess = wall - this.offsetAt(guess);
    return guess;
  }

  private offsetAt(ms: number): number {
    const f = this.localFields(ms);
    const wall = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
    return wall - Math.floor(ms / 1000) * 1000;
  }
}

function parsePattern(pattern: string): Part[] {
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < pattern.length; ) {
    if (pattern[i] === "'") {
      const close = pattern.indexOf("'", i + 1);
      if (close < 0) {
        throw new InvalidOptionsError('files.bucketAssigner', [
          { key: 'files.bucketAssigner.pattern', message: `unclosed quote in pattern '${pattern}'` },
        ]);
      }
      literal += close === i + 1 ? "'" : pattern.slice(i + 1, close);
      i = close + 1;
      continue;
    }
    const token = TOKENS.find((t) => pattern.startsWith(t, i));
    if (token) {
      if (literal) parts.push({ literal });
      literal = '';
      parts.push({ token });
      i += token.length;
    } else {
      literal += pattern[i];
      i++;
    }
  }
  if (literal) parts.push({ literal });
  return parts;
}

function parseFixedOffset(zone: string): number | undefined {
  if (zone === 'UTC' || zone === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m) return undefined;
  const ms = (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  return m[1] === '-' ? -ms : ms;
}

function utcFields(ms: number): Fields {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

function truncate(f: Fields, unit: Token): Fields {
  const r = { ...f };
  const index = UNIT_ORDER.indexOf(unit);
  if (index < 1) r.month = 1;
  if (index < 2) r.day = 1;
  if (index < 3) r.hour = 0;
  if (index < 4) r.minute = 0;
  if (index < 5) r.second = 0;
  return r;
}

function increment(f: Fields, unit: Token): Fields {
  // Date.UTC normalises overflowing fields (month 13, day 32), so +1 on the unit is enough.
  const r = { ...f };
  if (unit === 'yyyy') r.year++;
  else if (unit === 'MM') r.month++;
  else if (unit === 'dd') r.day++;
  else if (unit === 'HH') r.hour++;
  else if (unit === 'mm') r.minute++;
  else r.second++;
  return r;
}

function getField(f: Fields, t: Token): number {
  switch (t) {
    case 'yyyy':
      return f.year;
    case 'MM':
      return f.month;
    case 'dd':
      return f.day;
    case 'HH':
      return f.hour;
    case 'mm':
      return f.minute;
    case 'ss':
      return f.second;
  }
}

function setField(f: Fields, t: Token, v: number): void {
  if (t === 'yyyy') f.year = v;
  else if (t === 'MM') f.month = v;
  else if (t === 'dd') f.day = v;
  else if (t === 'HH') f.hour = v;
  else if (t === 'mm') f.minute = v;
  else f.second = v;
}
