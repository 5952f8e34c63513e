import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasErrorCode, TributaryError } from '../../errors/tributary-error.js';
import { AIMDScalingStrategy } from './aimd-scaling-strategy.js';
import { CongestionControlRateLimitingStrategy } from './congestion-control-rate-limiting-strategy.js';
import {
  MockAsyncSinkWriter,
  records,
  type TestEntry,
  turn,
  values,
  writeCtx,
} from './testing-fixtures/mock-async-sink-writer.js';

/** Retry immediately: these tests are about order and limits, not about waiting. */
const noBackoff = { retryInitialDelayMs: 0, retryMaxDelayMs: 0 } as const;

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('AsyncSinkWriter retries keep the original order', () => {
  it('re-sends failed entries before newer ones', async () => {
    const writer = new MockAsyncSinkWriter({
      options: { maxBatchSize: 5, maxBufferedRequests: 20, maxInFlightRequests: 1, ...noBackoff },
    });
    await writer.write(records(12), writeCtx);
    await vi.waitFor(() => expect(writer.requests).toHaveLength(1));
    const [first] = writer.requests;
    expect(values(first?.entries ?? [])).toEqual([0, 1, 2, 3, 4]);
    first?.succeed(first.entries.slice(3));
    await vi.waitFor(() => expect(writer.requests).toHaveLength(2));
    // The AIMD window halved (5 → 2): the retried entries fill the next request first.
    expect(values(writer.requests[1]?.entries ?? [])).toEqual([3, 4]);
    writer.submit = async () => [];
    writer.requests[1]?.succeed();
    await writer.flush(false);
    expect(values(writer.delivered)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('puts entries 3 and 5 at the head of the next full request', async () => {
    const writer = new MockAsyncSinkWriter({
      options: { maxBatchSize: 6, maxBufferedRequests: 30, maxInFlightRequests: 1, ...noBackoff },
      // Keep the batch size fixed so the request shows the head of the buffer.
      rateLimitingStrategy: new CongestionControlRateLimitingStrategy({
        maxInFlightRequests: 1,
        initialMaxInFlightMessages: 6,
        scalingStrategy: { scaleUp: (r) => r, scaleDown: (r) => r },
      }),
    });
    // Two keys: even values are k0, odd values k1.
    await writer.write(records(20, 2), writeCtx);
    await vi.waitFor(() => expect(writer.requests).toHaveLength(1));
    const first = writer.requests[0];
    first?.succeed(first.entries.filter((e) => e.value === 3 || e.value === 5));
    await vi.waitFor(() => expect(writer.requests).toHaveLength(2));
    expect(values(writer.requests[1]?.entries ?? [])).toEqual([3, 5, 6, 7, 8, 9]);
    writer.requests[1]?.succeed();
    writer.submit = async () => [];
    await writer.flush(true);
    expect(values(writer.delivered)).toEqual([
      0,
      1,
      2,
      4,
      3,
      5,
      ...Array.from({ length: 14 }, (_, i) => 6 + i),
    ]);
    const k1 = writer.delivered.filter((e) => e.key === 'k1').map((e) => e.value);
    expect(k1).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  });

  // A throttled key (a Kinesis shard over its limit) fails its entry and every later entry of
  // that key in the same request; re-queueing in order then keeps each key's delivered order.
  it('delivers every entry once, in order per key, under repeated per-key throttling', async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const writer = new MockAsyncSinkWriter({
      options: {
        maxBatchSize: 7,
        maxBufferedRequests: 40,
        maxInFlightRequests: 1,
        maxRetriesPerEntry: 1_000,
        ...noBackoff,
      },
      submit: async (entries) => {
        const throttled = new Set<string>();
        return entries.filter((e) => {
          if (!throttled.has(e.key) && random() < 0.3) throttled.add(e.key);
          return throttled.has(e.key);
        });
      },
    });
    for (let i = 0; i < 10; i++) await writer.write(records(20, 4, 10, i * 20), writeCtx);
    await writer.flush(true);
    expect(writer.delivered).toHaveLength(200);
    const perKey = new Map<string, number[]>();
    for (const e of writer.delivered) perKey.set(e.key, [...(perKey.get(e.key) ?? []), e.value]);
    for (const [key, vals] of perKey) {
      expect(vals, key).toEqual([...vals].sort((a, b) => a - b));
      expect(vals, key).toHaveLength(50);
    }
  });

  it('merges failures of concurrent requests by original order, whichever completes first', async () => {
    const writer = new MockAsyncSinkWriter({
      // A backoff long enough that both requests complete before anything is re-sent.
      options: {
        maxBatchSize: 3,
        maxBufferedRequests: 30,
        maxInFlightRequests: 2,
        retryInitialDelayMs: 50,
        retryMaxDelayMs: 50,
        retryJitter: 0,
      },
      rateLimitingStrategy: new CongestionControlRateLimitingStrategy({
        maxInFlightRequests: 2,
        initialMaxInFlightMessages: 100,
        scalingStrategy: { scaleUp: (r) => r, scaleDown: (r) => r },
      }),
    });
    await writer.write(records(6), writeCtx);
    await vi.waitFor(() => expect(writer.requests).toHaveLength(2));
    const [a, b] = writer.requests;
    b?.succeed([b.entries[1] as TestEntry]); // entry 4 fails in the later request, which completes first
    a?.succeed([a.entries[0] as TestEntry, a.entries[2] as TestEntry]); // entries 0 and 2
    await writer.write(records(3, 1, 10, 6), writeCtx);
    await vi.waitFor(() => expect(writer.requests).toHaveLength(4));
    expect(values(writer.requests[2]?.entries ?? [])).toEqual([0, 2, 4]);
    expect(values(writer.requests[3]?.entries ?? [])).toEqual([6, 7, 8]);
    writer.submit = async () => [];
    for (const r of writer.requests) if (!r.done) r.succeed();
    await writer.flush(false);
  });

  it('accepts failed entries rebuilt by the submitter', async () => {
    let calls = 0;
    const writer = new MockAsyncSinkWriter({
      options: { maxBatchSize: 4, maxBufferedRequests: 10, maxInFlightRequests: 1, ...noBackoff },
      submit: async (entries) =>
        calls++ === 0 ? [{ ...(entries[1] as TestEntry) }, { ...(entries[2] as TestEntry) }] : [],
    });
    await writer.write(records(6), writeCtx);
    await writer.flush(true);
    expect(writer.requests.map((r) => values(r.entries))).toEqual([
      [0, 1, 2, 3],
      [1, 2],
      [4, 5],
    ]);
  });

  it('waits the backoff before re-sending failed entries', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const writer = new MockAsyncSinkWriter({
      options: {
        maxBatchSize: 2,
        maxBufferedRequests: 10,
        retryInitialDelayMs: 1_000,
        retryMaxDelayMs: 1_000,
        retryJitter: 0,
      },
      submit: async (entries) => (calls++ === 0 ? [entries[0] as TestEntry] : []),
    });
    await writer.write(records(2), writeCtx);
    await vi.advanceTimersByTimeAsync(0);
    expect(writer.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(writer.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(writer.requests.map((r) => values(r.entries))).toEqual([[0, 1], [0]]);
    await writer.close();
  });
});

describe('AsyncSinkWriter AIMD rate limiting', () => {
  it('shrinks the batch under partial failures and grows it back', async () => {
    let failing = 3;
    const writer = new MockAsyncSinkWriter({
      options: { maxBatchSize: 8, maxBufferedRequests: 100, maxInFlightRequests: 1, ...noBackoff },
      rateLimitingStrategy: new CongestionControlRateLimitingStrategy({
        maxInFlightRequests: 1,
        initialMaxInFlightMessages: 8,
        scalingStrategy: new AIMDScalingStrategy({ increaseRate: 2, decreaseFactor: 0.5, rateThreshold: 8 }),
      }),
      submit: async (entries) => (failing-- > 0 ? [entries[entries.length - 1] as TestEntry] : []),
    });
    await writer.write(records(40), writeCtx);
    await writer.flush(true);
    expect(writer.requests.slice(0, 8).map((r) => r.entries.length)).toEqual([8, 4, 2, 1, 3, 5, 7, 8]);
    expect(writer.delivered).toHaveLength(40);
  });

  it('does the same with the default strategy built from the options', async () => {
    let failing = 3;
    const writer = new MockAsyncSinkWriter({
      options: { maxBatchSize: 8, maxBufferedRequests: 100, maxInFlightRequests: 1, ...noBackoff },
      submit: async (entries) => (failing-- > 0 ? [entries[0] as TestEntry] : []),
    });
    await writer.write(records(40), writeCtx);
    await writer.flush(true);
    // Halved on each failure, then +10 (capped at maxBatchSize × maxInFlightRequests).
    expect(writer.requests.slice(0, 5).map((r) => r.entries.length)).toEqual([8, 4, 2, 1, 8]);
  });
});

describe('AsyncSinkWriter errors', () => {
  it('retries a request that threw a retriable error', async () => {
    let calls = 0;
    const writer = new MockAsyncSinkWriter({
      options: { maxBatchSize: 3, maxBufferedRequests: 10, ...noBackoff },
      submit: async () => {
        if (calls++ === 0) throw new TributaryError('TRIB_TEST_THROTTLED', 'slow down', { retriable: true });
        return [];
      },
    });
    await writer.write(records(3), writeCtx);
    await writer.flush(false);
    // All three entries again, in order; AIMD shrank the window (3 → 1) after the failure.
    expect(writer.requests.map((r) => values(r.entries))).toEqual([[0, 1, 2], [0], [1, 2]]);
    expect(values(writer.delivered)).toEqual([0, 1, 2]);
  });

  it('fails the writer on a fatal error and rethrows it on the next write and flush', async () => {
    const cause = new Error('AccessDenied');
    const writer = new MockAsyncSinkWriter({
      options: { maxBatchSize: 2, maxBufferedRequests: 10 },
      classifyError: (error) => (error === cause ? 'fatal' : 'retry'),
      submit: async () => {
        throw cause;
      },
    });
    await writer.write(records(2), writeCtx);
    await vi.waitFor(() => expect(writer.requests[0]?.done).toBe(true));
    await turn();
    const onWrite = await caught(writer.write(records(1), writeCtx));
    expect(hasErrorCode(onWrite, 'TRIB_SINK_FATAL')).toBe(true);
    expect((onWrite as Error).cause).toBe(cause);
    expect(await caught(writer.flush(false))).toBe(onWrite);
    expect(await caught(writer.snapshotState(1))).toBe(onWrite);
    await writer.close();
  });

  it('surfaces a fatal error to a flush that is already waiting', async () => {
    const writer = new MockAsyncSinkWriter({ options: { maxBatchSize: 2, maxBufferedRequests: 10 } });
    await writer.write(records(1), writeCtx);
    const flushing = caught(writer.flush(true));
    await vi.waitFor(() => expect(writer.requests).toHaveLength(1));
    writer.requests[0]?.fail(new Error('bug')); // the default classifier: not retriable → fatal
    expect(hasErrorCode(await flushing, 'TRIB_SINK_FATAL')).toBe(true);
  });

  it('fails after maxRetriesPerEntry, or hands the entry to the dead-letter handler', async () => {
    const alwaysFailOne = async (entries: readonly TestEntry[]) => entries.filter((e) => e.value === 1);
    const strict = new MockAsyncSinkWriter({
      options: { maxBatchSize: 3, maxBufferedRequests: 10, maxRetriesPerEntry: 2, ...noBackoff },
      submit: alwaysFailOne,
    });
    await strict.write(records(3), writeCtx);
    const error = await caught(strict.flush(false));
    expect(hasErrorCode(error, 'TRIB_RETRIES_EXHAUSTED')).toBe(true);
    expect(strict.requests.filter((r) => r.entries.some((e) => e.value === 1))).toHaveLength(3);

    const dead: [number, string][] = [];
    const lenient = new MockAsyncSinkWriter({
      options: { maxBatchSize: 3, maxBufferedRequests: 10, maxRetriesPerEntry: 2, ...noBackoff },
      submit: alwaysFailOne,
      deadLetter: async (entry, e) => {
        dead.push([entry.value, e.code]);
      },
    });
    await lenient.write(records(3), writeCtx);
    await lenient.flush(false);
    expect(dead).toEqual([[1, 'TRIB_RETRIES_EXHAUSTED']]);
    expect(values(lenient.delivered)).toEqual([0, 2]);
  });

  it('lets the submitter reject entries for good', async () => {
    const rejectOdd = async (entries: readonly TestEntry[], w: MockAsyncSinkWriter) => {
      await w.reject(
        entries.filter((e) => e.value % 2 === 1),
        new Error('mapper_parsing_exception'),
      );
      return [];
    };
    const dead: number[] = [];
    const lenient = new MockAsyncSinkWriter({
      options: { maxBatchSize: 4, maxBufferedRequests: 10 },
      submit: rejectOdd,
      deadLetter: async (entry, e) => {
        expect(e.code).toBe('TRIB_ASYNC_SINK_ENTRY_REJECTED');
        dead.push(entry.value);
      },
    });
    await lenient.write(records(4), writeCtx);
    await lenient.flush(false);
    expect(dead).toEqual([1, 3]);

    const strict = new MockAsyncSinkWriter({
      options: { maxBatchSize: 4, maxBufferedRequests: 10 },
      submit: rejectOdd,
    });
    await strict.write(records(4), writeCtx);
    const error = await caught(strict.flush(false));
    expect(hasErrorCode(error, 'TRIB_ASYNC_SINK_ENTRY_REJECTED')).toBe(true);
    expect((error as Error).message).toContain('mapper_parsing_exception');
  });
});

describe('AsyncSinkWriter state', () => {
  it('snapshots buffered and failed entries in order, and a restored writer sends them first', async () => {
    const writer = new MockAsyncSinkWriter({
      options: {
        maxBatchSize: 3,
        maxBufferedRequests: 10,
        maxInFlightRequests: 1,
        retryInitialDelayMs: 60_000,
        retryMaxDelayMs: 60_000,
      },
    });
    await writer.write(records(5), writeCtx);
    await vi.waitFor(() => expect(writer.requests).toHaveLength(1));
    const first = writer.requests[0];
    first?.succeed([first.entries[1] as TestEntry]);
    await turn();
    // Entry 1 waits for its backoff; 3 and 4 were never sent.
    const state = await writer.snapshotState(7);
    expect(state.map((s) => s.entries.map((e) => [e.entry.value, e.sizeInBytes]))).toEqual([
      [
        [1, 10],
        [3, 10],
        [4, 10],
      ],
    ]);
    await writer.close();

    const restored = new MockAsyncSinkWriter({
      options: { maxBatchSize: 3, maxBufferedRequests: 10, maxInFlightRequests: 1 },
      restoredState: state,
      submit: async () => [],
    });
    await restored.write(records(2, 1, 10, 5), writeCtx);
    await restored.flush(true);
    expect(values(restored.delivered)).toEqual([1, 3, 4, 5, 6]);
    expect(values(restored.requests[0]?.entries ?? [])).toEqual([1, 3, 4]);
  });

  it('sends restored entries without waiting for new records', async () => {
    const restored = new MockAsyncSinkWriter({
      options: { maxBatchSize: 10, maxBufferedRequests: 20 },
      restoredState: [
        { entries: [{ entry: { key: 'a', value: 1, bytes: 3 }, sizeInBytes: 3 }] },
        { entries: [{ entry: { key: 'b', value: 2, bytes: 3 }, sizeInBytes: 3 }] },
      ],
      submit: async () => [],
    });
    await vi.waitFor(() => expect(values(restored.delivered)).toEqual([1, 2]));
    await restored.close();
  });

  it('includes entries in flight when snapshotting without a flush', async () => {
    const writer = new MockAsyncSinkWriter({
      options: { maxBatchSize: 2, maxBufferedRequests: 10, maxInFlightRequests: 1 },
    });
    await writer.write(records(3), writeCtx);
    await vi.waitFor(() => expect(writer.requests).toHaveLength(1));
    const [state] = await writer.snapshotState(1);
    expect(state?.entries.map((e) => e.entry.value)).toEqual([0, 1, 2]);
    await writer.close();
  });
});
