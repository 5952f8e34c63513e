/**
 * Counts kafkajs `broker.fetch` calls per reader (for `BENCH_COUNT_FETCHES=1`): requests, the
 * partitions asked for, what came back (records, value bytes, empty partitions), the fetch
 * settings used and the most fetches in flight at once. Patches kafkajs's Broker prototype, which
 * the source, the raw loop and kafkajs's consumer all call.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface FetchArgs {
  maxWaitTime?: number;
  minBytes?: number;
  maxBytes?: number;
  topics: { partitions: { maxBytes?: number }[] }[];
}
interface FetchResult {
  responses: { partitions: { messages: { value: Buffer | null }[] }[] }[];
}

export interface FetchCounts {
  requests: number;
  partitionsAsked: number;
  partitionsEmpty: number;
  records: number;
  valueBytes: number;
  maxInFlight: number;
  /** kafkajs `Long.fromString` calls (offsets and timestamps decoded from strings). */
  longFromString: number;
  /** Stack traces captured for kafkajs errors, by error name (e.g. cut-off record batches). */
  errors: Record<string, number>;
  settings: string[];
}

const fresh = (): FetchCounts => ({
  requests: 0,
  partitionsAsked: 0,
  partitionsEmpty: 0,
  records: 0,
  valueBytes: 0,
  maxInFlight: 0,
  longFromString: 0,
  errors: {},
  settings: [],
});
let counts = fresh();
let inFlight = 0;

/** Patches `Broker.prototype.fetch` once; `take()` returns the counts since the last take. */
export function countFetches(): { take: () => FetchCounts } {
  const Broker = require('kafkajs/src/broker') as {
    prototype: { fetch: (a: FetchArgs) => Promise<FetchResult> };
  };
  const original = Broker.prototype.fetch;
  Broker.prototype.fetch = async function (this: unknown, args: FetchArgs) {
    counts.requests++;
    const setting = `maxWait=${args.maxWaitTime} minBytes=${args.minBytes} maxBytes=${args.maxBytes} perPartition=${args.topics[0]?.partitions[0]?.maxBytes}`;
    if (!counts.settings.includes(setting)) counts.settings.push(setting);
    for (const t of args.topics) counts.partitionsAsked += t.partitions.length;
    inFlight++;
    counts.maxInFlight = Math.max(counts.maxInFlight, inFlight);
    try {
      const result = await original.call(this, args);
      for (const r of result.responses)
        for (const p of r.partitions) {
          if (p.messages.length === 0) counts.partitionsEmpty++;
          counts.records += p.messages.length;
          for (const m of p.messages) counts.valueBytes += m.value?.length ?? 0;
        }
      return result;
    } finally {
      inFlight--;
    }
  };
  const Long = require('kafkajs/src/utils/long') as { fromString: (s: string) => unknown };
  const fromString = Long.fromString;
  Long.fromString = function (this: unknown, str: string) {
    counts.longFromString++;
    return fromString.call(this, str);
  };
  const capture = Error.captureStackTrace;
  Error.captureStackTrace = (target: object, ctor?: (...args: never) => unknown) => {
    const name = ctor?.name;
    if (name?.startsWith('KafkaJS')) counts.errors[name] = (counts.errors[name] ?? 0) + 1;
    capture(target, ctor);
  };
  return {
    take: () => {
      const c = counts;
      counts = fresh();
      return c;
    },
  };
}
