import { CoreErrorCodes, TributaryError } from '@tributary/core';
import { DateTimePattern } from './date-time-pattern.js';

/** What a bucket assigner may look at besides the record. Reused between records: do not keep it. */
export interface BucketContext {
  /** Event timestamp of the record (ms since the epoch), or undefined when it has none. */
  readonly timestamp: number | undefined;
  /** Wall-clock time of the write (one value per batch). */
  readonly currentProcessingTime: number;
  /** The subtask's current watermark, or undefined before the first one. */
  readonly currentWatermark: number | undefined;
}

/**
 * Decides the bucket (a relative directory under the sink's base path, `''` for the base path
 * itself, `/` separating levels) of each record. Called once per record on the writer's hot path.
 */
export interface BucketAssigner<T> {
  getBucketId(record: T, ctx: BucketContext): string;
  /**
   * Set when buckets are time ranges: `processing` (wall clock) or `event` (record time, which
   * progresses with the watermark). Enables `_SUCCESS` markers for time buckets whose range ended.
   */
  readonly timeDomain?: 'processing' | 'event';
  /** For time buckets: the end (exclusive, ms) of the range `bucketId` covers, or undefined. */
  bucketEndTime?(bucketId: string): number | undefined;
}

/** Where a date-time bucket takes its time from. */
export type BucketTime<T> =
  /** Wall-clock time of the write (Flink's default). */
  | 'processing'
  /** The record's event timestamp (from the source or a watermark strategy's assigner). */
  | 'event'
  /** A record field (dotted path) holding ms since the epoch, a `Date` or an ISO-8601 string. */
  | { readonly field: string }
  /** A function returning ms since the epoch, a `Date` or an ISO-8601 string. */
  | ((record: T) => unknown);

export interface DateTimeBucketOptions<T> {
  /** Java-style pattern; default `yyyy-MM-dd--HH` (one bucket per hour). */
  readonly pattern?: string;
  /** `UTC` (default), a fixed offset like `+02:00`, or an IANA zone name. */
  readonly timeZone?: string;
  /** Default `processing`. */
  readonly time?: BucketTime<T>;
}

/** A part of a Hive-style bucket: a field name (dotted path), a nested assigner, or a function. */
export type HivePartitionValue<T> = string | BucketAssigner<T> | ((record: T, ctx: BucketContext) => unknown);

/** Value Hive uses for a null or empty partition value. */
export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

/** Built-in bucket assigners (Flink's `DateTimeBucketAssigner`, field and Hive-style partitioning). */
export const BucketAssigners = {
  /** Everything in the base path. */
  basePath<T>(): BucketAssigner<T> {
    return { getBucketId: () => '' };
  },

  /** One bucket per time range, named by a date-time pattern (`2024-05-01--13`). */
  dateTime<T>(options: DateTimeBucketOptions<T> = {}): BucketAssigner<T> {
    const pattern = new DateTimePattern(options.pattern ?? 'yyyy-MM-dd--HH', options.timeZone ?? 'UTC');
    const time = options.time ?? 'processing';
    const timeOf = timeExtractor(time);
    return {
      timeDomain: time === 'processing' ? 'processing' : 'event',
      getBucketId: (record, ctx) => pattern.format(timeOf(record, ctx)),
      bucketEndTime: (bucketId) => pattern.parse(bucketId)?.end,
    };
  },

  /** One bucket per value of a record field (dotted path), escaped to a safe directory name. */
  field<T>(path: string): BucketAssigner<T> {
    const read = fieldReader(path);
    return {
      getBucketId: (record) => {
        const value = read(record);
        return escapePathValue(
          value === undefined || value === null || value === '' ? 'null' : String(value),
        );
      },
    };
  },

  /**
   * Hive-style partitions `key=value/key2=value2`, keys in the given order. A key maps to a field
   * name, a nested assigner (e.g. `BucketAssigners.dateTime({ pattern: 'yyyy-MM-dd' })`) or a
   * function. Values are escaped as Hive does (`%2F` for `/` ...); null and empty values become
   * `__HIVE_DEFAULT_PARTITION__`.
   */
  hive<T>(
    partitions: readonly string[] | Readonly<Record<string, HivePartitionValue<T>>>,
  ): BucketAssigner<T> {
    const entries: [string, HivePartitionValue<T>][] = Array.isArray(partitions)
      ? partitions.map((k) => [k, k])
      : Object.entries(partitions as Record<string, HivePartitionValue<T>>);
    const parts = entries.map(([key, spec]) => ({ key: escapePathValue(key), ...hivePart(spec) }));
    const timed = parts.filter((p) => p.assigner?.timeDomain !== undefined);
    const domain = timed[0]?.assigner?.timeDomain;
    const assigner: BucketAssigner<T> = {
      getBucketId(record, ctx) {
        let id = '';
        for (let i = 0; i < parts.length; i++) {
          const part = parts[i] as (typeof parts)[number];
          const value = part.value(record, ctx);
          const text =
            value === undefined || value === null || value === '' ? HIVE_DEFAULT_PARTITION : String(value);
          id += `${i === 0 ? '' : '/'}${part.key}=${escapePathValue(text, false)}`;
        }
        return id;
      },
    };
    if (domain === undefined) return assigner;
    return {
      ...assigner,
      timeDomain: domain,
      bucketEndTime(bucketId) {
        let end: number | undefined;
        for (const segment of bucketId.split('/')) {
          const eq = segment.indexOf('=');
          const key = segment.slice(0, eq);
          const part = timed.find((p) => p.key === key);
          const partEnd = part?.assigner?.bucketEndTime?.(unescapePathValue(segment.slice(eq + 1)));
          if (partEnd !== undefined) end = end === undefined ? partEnd : Math.min(end, partEnd);
        }
        return end;
      },
    };
  },

  /** A bucket id computed by a function (the result is validated like any other id). */
  custom<T>(
    fn: (record: T, ctx: BucketContext) => string,
    time?: {
      readonly timeDomain: 'processing' | 'event';
      readonly bucketEndTime: (bucketId: string) => number | undefined;
    },
  ): BucketAssigner<T> {
    return time ? { getBucketId: fn, ...time } : { getBucketId: fn };
  },
};

function hivePart<T>(spec: HivePartitionValue<T>): {
  value: (record: T, ctx: BucketContext) => unknown;
  assigner?: BucketAssigner<T>;
} {
  if (typeof spec === 'string') {
    const read = fieldReader(spec);
    return { value: (record) => read(record) };
  }
  if (typeof spec === 'function') return { value: spec };
  return { value: (record, ctx) => spec.getBucketId(record, ctx), assigner: spec };
}

/** Reads a dotted path from a record; undefined when a level is missing. */
export function fieldReader(path: string): (record: unknown) => unknown {
  const keys = path.split('.');
  if (keys.length === 1) return (record) => (record as Record<string, unknown> | null | undefined)?.[path];
  return (record) => {
    let current: unknown = record;
    for (const key of keys) {
      if (current === null || current === undefined) return undefined;
      current = (current as Record<string, unknown>)[key];
    }
    return current;
  };
}

function timeExtractor<T>(time: BucketTime<T>): (record: T, ctx: BucketContext) => number {
  if (time === 'processing') return (_r, ctx) => ctx.currentProcessingTime;
  if (time === 'event') {
    return (_r, ctx) => {
      if (ctx.timestamp === undefined) {
        throw new TributaryError(
          CoreErrorCodes.RECORD_INVALID,
          'Record has no event timestamp for an event-time bucket assigner; assign timestamps with a watermark strategy or use a time field',
          { context: { assigner: 'dateTime' } },
        );
      }
      return ctx.timestamp;
    };
  }
  const label = typeof time === 'function' ? 'time function' : `field '${time.field}'`;
  const read = typeof time === 'function' ? time : fieldReader(time.field);
  return (record) => toEpochMs(read(record), label);
}

function toEpochMs(value: unknown, label: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  if (typeof value === 'bigint') return Number(value);
  throw new TributaryError(
    CoreErrorCodes.RECORD_INVALID,
    `Bucket time from ${label} is not a timestamp (expected ms since the epoch, a Date or an ISO-8601 string)`,
    { context: { assigner: 'dateTime', field: label, type: value === null ? 'null' : typeof value } },
  );
}

/** Characters Hive escapes in partition paths (FileUtils.escapePathName), plus control characters. */
function needsEscape(code: number): boolean {
  return code < 0x20 || code === 0x7f || '"#%\'*/:=?\\{[]^'.includes(String.fromCharCode(code));
}

/**
 * Escapes a value for use as one directory name, Hive-style (`%XX`). With `guardHidden` a leading
 * `.` or `_` is escaped too, so the directory is not skipped as hidden by file readers.
 */
export function escapePathValue(value: string, guardHidden = true): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const hidden = guardHidden && i === 0 && (code === 0x2e || code === 0x5f);
    out += needsEscape(code) || hidden ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : value[i];
  }
  return out;
}

/** Reverses {@link escapePathValue}. */
export function unescapePathValue(value: string): string {
  return value.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}
