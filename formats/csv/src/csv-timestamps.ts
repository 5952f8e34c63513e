/**
 * CSV timestamps: ISO 8601 date-times (`T` or a space between date and time, up to 9 fraction
 * digits, floored to milliseconds) or epoch milliseconds. Text without an offset is a wall-clock
 * time in `timeZone` (UTC unless configured), never in the process's local zone.
 */
const TIMESTAMP =
  /^([+-]?\d{4,6})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Milliseconds since the epoch of `text`, or NaN when it is not a timestamp. */
export function parseTimestamp(text: string, zone: TimeZoneOffsets | undefined): number {
  const m = TIMESTAMP.exec(text);
  if (m === null) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset] = m as unknown as string[];
  const month = Number(mo) - 1;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), month, Number(d));
  if (date.getUTCMonth() !== month || date.getUTCDate() !== Number(d)) return Number.NaN;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return Number.NaN;
  const wall =
    date.getTime() +
    Number(h) * 3_600_000 +
    Number(mi) * 60_000 +
    Number(s) * 1000 +
    Number((fraction as string).padEnd(3, '0').slice(0, 3));
  if (offset !== undefined) {
    if (offset.toUpperCase() === 'Z') return wall;
    const sign = offset[0] === '-' ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    return wall - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  return zone === undefined ? wall : zone.toUtc(wall);
}

/** Wall-clock time in an IANA time zone → UTC, through Intl (no time zone database of our own). */
export class TimeZoneOffsets {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  }

  /** Whether `timeZone` is one Intl knows. */
  static isValid(timeZone: string): boolean {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
      return true;
    } catch {
      return false;
    }
  }

  /** UTC milliseconds of wall time `wall` (given as if it were UTC); in a gap, the later offset. */
  toUtc(wall: number): number {
    const first = wall - this.offsetAt(wall);
    const second = wall - this.offsetAt(first);
    return second;
  }

  /** The zone's offset from UTC at instant `utc`, in milliseconds. */
  offsetAt(utc: number): number {
    const seconds = Math.floor(utc / 1000) * 1000;
    const parts: Record<string, string> = {};
    for (const p of this.format.formatToParts(new Date(seconds))) parts[p.type] = p.value;
    const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
    const asUtc = new Date(0);
    asUtc.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
    asUtc.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second));
    return asUtc.getTime() - seconds;
  }
}
