import { CoreErrorCodes, hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import {
  BucketAssigners,
  type BucketContext,
  escapePathValue,
  unescapePathValue,
} from './bucket-assigners.js';
import { DateTimePattern } from './date-time-pattern.js';

const ctx = (over: Partial<BucketContext> = {}): BucketContext => ({
  timestamp: undefined,
  currentProcessingTime: Date.UTC(2024, 0, 31, 23, 59, 30),
  currentWatermark: undefined,
  ...over,
});

describe('DateTimePattern', () => {
  it('formats in UTC, fixed offsets and IANA zones, and parses ids back to their range', () => {
    const t = Date.UTC(2024, 0, 31, 23, 59, 30);
    expect(new DateTimePattern('yyyy-MM-dd--HH').format(t)).toBe('2024-01-31--23');
    expect(new DateTimePattern('yyyy-MM-dd--HH', '+02:00').format(t)).toBe('2024-02-01--01');
    expect(new DateTimePattern("'dt='yyyyMMdd'/h='HH", 'America/New_York').format(t)).toBe(
      'dt=20240131/h=18',
    );
    const p = new DateTimePattern('yyyy-MM-dd--HH');
    expect(p.parse('2024-01-31--23')).toEqual({
      start: Date.UTC(2024, 0, 31, 23),
      end: Date.UTC(2024, 1, 1, 0),
    });
    expect(p.parse('2024-01-31-23')).toBeUndefined();
    const month = new DateTimePattern('yyyy/MM', 'Europe/Berlin');
    expect(month.rangeOf(t)).toEqual({ start: Date.UTC(2024, 0, 31, 23), end: Date.UTC(2024, 1, 29, 23) });
    expect(month.format(t)).toBe('2024/02');
  });

  it('handles daylight saving: the spring-forward day in Berlin is 23 hours long', () => {
    const day = new DateTimePattern('yyyy-MM-dd', 'Europe/Berlin');
    const range = day.parse('2024-03-31');
    expect(range).toEqual({ start: Date.UTC(2024, 2, 30, 23), end: Date.UTC(2024, 2, 31, 22) });
  });

  it('rejects patterns without tokens and unknown zones', () => {
    expect(() => new DateTimePattern('static')).toThrow(/no date-time token/);
    expect(() => new DateTimePattern('yyyy', 'Mars/Olympus')).toThrow(/unknown time zone/);
  });
});

describe('BucketAssigners', () => {
  it('dateTime uses processing time, event time or a record field', () => {
    const proc = BucketAssigners.dateTime();
    expect(proc.getBucketId({}, ctx())).toBe('2024-01-31--23');
    expect(proc.timeDomain).toBe('processing');
    const event = BucketAssigners.dateTime({ time: 'event', pattern: 'yyyy-MM-dd' });
    expect(event.getBucketId({}, ctx({ timestamp: Date.UTC(2020, 5, 1) }))).toBe('2020-06-01');
    expect(() => event.getBucketId({}, ctx())).toThrow(/no event timestamp/);
    const field = BucketAssigners.dateTime<{ at: string }>({ time: { field: 'at' }, pattern: 'yyyy-MM-dd' });
    expect(field.getBucketId({ at: '2021-07-04T12:00:00Z' }, ctx())).toBe('2021-07-04');
    expect(field.bucketEndTime?.('2021-07-04')).toBe(Date.UTC(2021, 6, 5));
    try {
      field.getBucketId({ at: 'not a date' }, ctx());
      expect.unreachable();
    } catch (error) {
      expect(hasErrorCode(error, CoreErrorCodes.RECORD_INVALID)).toBe(true);
    }
  });

  it('field escapes values into one safe directory name', () => {
    const a = BucketAssigners.field<Record<string, unknown>>('user.country');
    expect(a.getBucketId({ user: { country: 'de' } }, ctx())).toBe('de');
    expect(a.getBucketId({ user: { country: 'a/b:c' } }, ctx())).toBe('a%2Fb%3Ac');
    expect(a.getBucketId({ user: { country: '.hidden' } }, ctx())).toBe('%2Ehidden');
    expect(a.getBucketId({}, ctx())).toBe('null');
  });

  it('hive builds key=value paths from fields, functions and nested time assigners', () => {
    const a = BucketAssigners.hive<{ country: string; ts: number; v?: string }>({
      date: BucketAssigners.dateTime({ time: { field: 'ts' }, pattern: 'yyyy-MM-dd' }),
      country: 'country',
      kind: (r) => r.v,
    });
    const id = a.getBucketId({ country: 'n=1', ts: Date.UTC(2024, 1, 2, 3) }, ctx());
    expect(id).toBe('date=2024-02-02/country=n%3D1/kind=__HIVE_DEFAULT_PARTITION__');
    expect(a.timeDomain).toBe('event');
    expect(a.bucketEndTime?.(id)).toBe(Date.UTC(2024, 1, 3));
    expect(BucketAssigners.hive(['x', 'y']).getBucketId({ x: 1, y: 'two' }, ctx())).toBe('x=1/y=two');
    expect(BucketAssigners.hive(['x']).timeDomain).toBeUndefined();
  });

  it('escaping round-trips', () => {
    const value = 'a/b%c=d?e#f\u0001';
    expect(unescapePathValue(escapePathValue(value))).toBe(value);
  });
});
