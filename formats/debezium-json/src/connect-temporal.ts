/**
 * Debezium's temporal logical types to and from the text MySQL prints (and the Tributary MySQL CDC
 * source emits): `io.debezium.time.Date` days since the epoch ↔ `2024-02-29`, `MicroTime`
 * microseconds ↔ `-838:59:59.000000`, `MicroTimestamp` epoch microseconds ↔
 * `2024-02-29 23:59:59.999999`, `ZonedTimestamp` `2038-01-19T03:14:07.999999Z` ↔ UTC text. The
 * schema does not carry the column's fractional-second precision, so fractions are written at the
 * unit's (milli 3, micro 6, nano 9 digits). Calendar arithmetic is proleptic Gregorian on integers
 * (no `Date`, whose two-digit years and millisecond limit get in the way).
 */

const UNITS_PER_SECOND = { 3: 1_000n, 6: 1_000_000n, 9: 1_000_000_000n } as const;
export type FractionDigits = keyof typeof UNITS_PER_SECOND;

/** Days since 1970-01-01 → `YYYY-MM-DD` (H. Hinnant's civil_from_days). */
export function dateFromEpochDays(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** `YYYY-MM-DD` → days since 1970-01-01 (days_from_civil); undefined if not such a date. */
export function epochDaysFromDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Epoch units (ms/µs/ns) → `YYYY-MM-DD HH:MM:SS.fff…` in UTC. */
export function timestampFromEpoch(value: number | bigint, digits: FractionDigits): string {
  const perSecond = UNITS_PER_SECOND[digits];
  const units = BigInt(value);
  let seconds = units / perSecond;
  let fraction = units % perSecond;
  if (fraction < 0n) {
    fraction += perSecond;
    seconds -= 1n;
  }
  let days = seconds / 86_400n;
  let ofDay = seconds % 86_400n;
  if (ofDay < 0n) {
    ofDay += 86_400n;
    days -= 1n;
  }
  return `${dateFromEpochDays(Number(days))} ${clock(Number(ofDay))}.${pad(fraction, digits)}`;
}

/** `YYYY-MM-DD HH:MM:SS[.f…]` (UTC) → epoch units; undefined if not such a timestamp. */
export function epochFromTimestamp(text: string, digits: FractionDigits): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text);
  if (m === null) return undefined;
  const days = epochDaysFromDate(m[1] as string);
  const fraction = fractionUnits(m[5], digits);
  if (days === undefined || fraction === undefined) return undefined;
  const seconds = BigInt(days) * 86_400n + BigInt(Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]));
  return seconds * UNITS_PER_SECOND[digits] + fraction;
}

/** Units of a time of day or duration (may be negative, hours beyond 24) → `[-]HH:MM:SS.fff…`. */
export function timeFromUnits(value: number | bigint, digits: FractionDigits): string {
  const perSecond = UNITS_PER_SECOND[digits];
  let units = BigInt(value);
  const sign = units < 0n ? '-' : '';
  if (units < 0n) units = -units;
  const seconds = Number(units / perSecond);
  return `${sign}${clock(seconds)}.${pad(units % perSecond, digits)}`;
}

/** `[-]HH:MM:SS[.f…]` → units; undefined if not such a time. */
export function unitsFromTime(text: string, digits: FractionDigits): bigint | undefined {
  const m = /^(-?)(\d{2,3}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text);
  if (m === null) return undefined;
  const fraction = fractionUnits(m[5], digits);
  if (fraction === undefined) return undefined;
  const seconds = BigInt(Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]));
  const units = seconds * UNITS_PER_SECOND[digits] + fraction;
  return m[1] === '-' ? -units : units;
}

/** `2038-01-19T03:14:07.999999Z` → `2038-01-19 03:14:07.999999`; undefined unless UTC ISO text. */
export function utcTextFromZoned(text: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)Z$/.exec(text);
  return m === null ? undefined : `${m[1]} ${m[2]}`;
}

/** UTC text `2038-01-19 03:14:07.999999` → `2038-01-19T03:14:07.999999Z`; undefined if not such text. */
export function zonedFromUtcText(text: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)$/.exec(text);
  return m === null ? undefined : `${m[1]}T${m[2]}Z`;
}

function fractionUnits(fraction: string | undefined, digits: FractionDigits): bigint | undefined {
  if (fraction === undefined) return 0n;
  // A finer fraction than the unit would be rounded away: refuse it rather than lose digits.
  if (fraction.length > digits && /[1-9]/.test(fraction.slice(digits))) return undefined;
  return BigInt(fraction.slice(0, digits).padEnd(digits, '0'));
}

function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}`;
}

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}
