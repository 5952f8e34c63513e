import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasErrorCode, type TributaryError } from '../../errors/tributary-error.js';
import { MetricRegistry } from '../../metrics/metric-registry.js';
import { AIMDScalingStrategy } from './aimd-scaling-strategy.js';
import { CongestionControlRateLimitingStrategy } from './congestion-control-rate-limiting-strategy.js';
import {
  MockAsyncSinkWriter,
  record,
  records,
  type TestEntry,
  testInitContext,
  turn,
  values,
  writeCtx,
} from './testing-fixtures/mock-async-sink-writer.js';

/** A window wide enough that only `maxInFlightRequests` limits concurrency. */
function wideWindow(maxInFlightRequests: number) {
  return new CongestionControlRateLimitingStrategy({
    maxInFlightRequests,
    initialMaxInFlightMessages: 1_000,
    scalingStrategy: new AIMDScalingStrategy({ rateThreshold: 1_000 }),
  });
}

const ok = async () => [];

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

describe('AsyncSinkWriter batching', () => {
  it('sends full batches by count at once and the rest on flush', async () => {
    const writer = new MockAsyncSinkWriter({
      options: { maxBatchSize: 3, maxBufferedRequests: 10 },
      submit: ok,
    });
    await writer.write(records(7), writeCtx);
    await vi.waitFor(() => expect(writer.requests).toHaveLength(2));
    expect(writer.requests.map((r) => values(r.entries))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    await writer.flush(false);
    expect(writer.requests.map((r) => r.entries.length)).toEqual([3, 3, 1]);
    expect(values(writer.delivered)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('never puts more than maxBatchSizeInBytes in a request', async () => {
    const writer = new MockAsyncSinkWriter({
      options: {
        maxBatchSize: 100,
        maxBatchSizeInBytes: 100,
        maxRecordSizeInBytes: 100,
        maxBufferedRequests: 200,
      },
      submit: ok,
    });
    await writer.write(records(5, 1, 40), writeCtx);
    await vi.waitFor(() => expect(writer.requests).toHaveLength(2));
    await writer.flush(true);
    const bytes = writer.requests.map((r) => r.entries.reduce((sum, e) => sum + e.bytes, 0));
    expect(bytes).toEqual([80, 80, 40]);
    expect(values(writer.delivered)).toEqual([0, 1, 2, 3, 4]);
  });

  it('sends a partial batch maxTimeInBufferMs after it started filling', async () => {
    vi.useFakeTimers();
    const writer = new MockAsyncSinkWriter({
      options: { maxBatchSize: 10, maxTimeInBufferMs: 1_000 },
      submit: ok,
    });
    await writer.write(records(2), writeCtx);
    await vi.advanceTimersByTimeAsync(999);
    expect(writer.requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(writer.requests.map((r) => values(r.entries))).toEqual([[0, 1]]);
    // The next partial batch gets its own timer.
    await writer.write(records(1, 1, 10, 2), writeCtx);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(writer.requests.map((r) => values(r.entries))).toEqual([[0, 1], [2]]);
    await writer.close();
  });
});

describe('AsyncSinkWriter record size', () => {
  it('rejects a record larger than maxRecordSizeInBytes naming its index, and buffers none of the batch', async () => {
    const writer = new MockAsyncSinkWriter({
      options: { maxRecordSizeInBytes: 50, maxBatchSizeInBytes: 100 },
    });
    const error = await caught(writer.write([record('a', 0), record('a', 1), record('a', 2, 51)], writeCtx));
    expect(hasErrorCode(error, 'TRIB_RECORD_TOO_LARGE')).toBe(true);
    expect((error as TributaryError).context).toMatchObject({
      recordIndex: 2,
      sizeInBytes: 51,
      maxRecordSizeInBytes: 50,
    });
    expect((error as Error).message).toContain('Record 2');
    expect(await writer.snapshotState(1)).toEqual([{ entries: [] }]);
    // The writer itself is not broken: the caller decides.
    await writer.write([record('a', 3)], writeCtx);
    expect(values((await writer.snapshotState(2))[0]?.entries.map((e) => e.entry) ?? [])).toEqual([3]);
  });

  it('hands an oversized record to the dead-letter handler and sends the others', async () => {
    const registry = new MetricRegistry();
    const deadLetters: { entry: TestEntry; code: string; index: unknown }[] = [];
    const writer = new MockAsyncSinkWriter({
      context: testInitContext(registry),
      options: { maxRecordSizeInBytes: 50, maxBatchSizeInBytes: 100 },
      submit: ok,
      deadLetter: async (entry, error) => {
        deadLetters.push({ entry, code: error.code, index: error.context.recordIndex });
      },
    });
    await writer.write([record('a', 0), record('a', 1, 60), record('a', 2)], writeCtx);
    await writer.flush(true);
    expect(deadLetters).toEqual([
      { entry: { key: 'a', value: 1, bytes: 60 }, code: 'TRIB_RECORD_TOO_LARGE', index: 1 },
    ]);
    expect(values(writer.delivered)).toEqual([0, 2]);
    expect(registry.find('numRecordsSendErrors')?.read()).toBe(1);
  });

  it('fails the writer when the dead-letter handler throws', async () => {
    const writer = new MockAsyncSinkWriter({
      options: { maxRecordSizeInBytes: 50, maxBatchSizeInBytes: 100 },
      deadLetter: async () => {
        throw new Error('dlq down');
      },
    });
    const error = await caught(writer.write([record('a', 0, 99)], writeCtx));
    expect(hasErrorCode(error, 'TRIB_ASYNC_SINK_DEAD_LETTER_FAILED')).toBe(true);
    expect(await caught(writer.flush(false))).toBe(error);
  });
});

describe('AsyncSinkWriter backpressure and concurrency', () => {
  it('does not resolve write while the buffer is full', async () => {
    const writer = new MockAsyncSinkWriter({
      options: { maxBatchSize: 2, maxBufferedRequests: 4, maxInFlightRequests: 1 },
    });
    let resolved = false;
    const writing = writer.write(records(10), writeCtx).then(() => {
      resolved = true;
    });
    await vi.waitFor(() => expect(writer.requests).toHaveLength(1));
    await turn();
    // 2 in flight, 4 buffered (the maximum), 4 still waiting in write.
    expect(resolved).toBe(false);
    writer.requests[0]?.succeed();
    await vi.waitFor(() => expect(writer.requests).toHaveLength(2));
    await turn();
    expect(resolved).toBe(false);
    writer.requests[1]?.succeed();
    await writing;
    expect(resolved).toBe(true);
    writer.submit = ok;
    for (const r of writer.requests) if (!r.done) r.succeed();
    await writer.flush(true);
    expect(values(writer.delivered)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('keeps at most maxInFlightRequests requests in flight', async () => {
    const writer = new MockAsyncSinkWriter({
      options: { maxBatchSize: 2, maxBufferedRequests: 100, maxInFlightRequests: 3 },
      rateLimitingStrategy: wideWindow(3),
    });
    await writer.write(records(20), writeCtx);
    const flushing = writer.flush(false);
    for (let done = 0; done < 10; done++) {
      await vi.waitFor(() => expect(writer.requests.filter((r) => !r.done).length).toBeGreaterThan(0));
      await turn();
      expect(writer.inFlightNow).toBeLessThanOrEqual(3);
      writer.requests.find((r) => !r.done)?.succeed();
    }
    await flushing;
    expect(writer.peakInFlight).toBe(3);
    expect(writer.delivered).toHaveLength(20);
  });

  it('flush waits until nothing is in flight', async () => {
    const writer = new MockAsyncSinkWriter({ options: { maxBatchSize: 5, maxBufferedRequests: 10 } });
    await writer.write(records(3), writeCtx);
    let flushed = false;
    const flushing = writer.flush(false).then(() => {
      flushed = true;
    });
    await vi.waitFor(() => expect(writer.requests).toHaveLength(1));
    await turn();
    expect(flushed).toBe(false);
    writer.requests[0]?.succeed();
    await flushing;
    expect(values(writer.delivered)).toEqual([0, 1, 2]);
  });
});

describe('AsyncSinkWriter metrics and lifecycle', () => {
  it('counts sent records, bytes, failed entries and the send time', async () => {
    const registry = new MetricRegistry();
    let first = true;
    const writer = new MockAsyncSinkWriter({
      context: testInitContext(registry),
      options: { maxBatchSize: 4, maxBufferedRequests: 10, retryInitialDelayMs: 0, retryMaxDelayMs: 0 },
      submit: async (entries) => {
        if (!first) return [];
        first = false;
        return [entries[1] as TestEntry];
      },
    });
    await writer.write(records(4, 1, 7), writeCtx);
    await writer.flush(false);
    expect(registry.find('numRecordsSend')?.read()).toBe(4);
    expect(registry.find('numRecordsOut')?.read()).toBe(4);
    expect(registry.find('numBytesSend')?.read()).toBe(28);
    expect(registry.find('numRecordsSendErrors')?.read()).toBe(1);
    expect(registry.find('currentSendTime')?.read()).toBeGreaterThanOrEqual(0);
  });

  it('closes idempotently, also through await using, and refuses use afterwards', async () => {
    const writer = new MockAsyncSinkWriter();
    {
      await using disposable = writer;
      await disposable.write(records(1), writeCtx);
    }
    await writer.close();
    expect(hasErrorCode(await caught(writer.write(records(1), writeCtx)), 'TRIB_CLOSED')).toBe(true);
    expect(hasErrorCode(await caught(writer.flush(true)), 'TRIB_CLOSED')).toBe(true);
  });

  it('releases a write waiting on a full buffer when closed', async () => {
    const writer = new MockAsyncSinkWriter({
      options: { maxBatchSize: 1, maxBufferedRequests: 2, maxInFlightRequests: 1 },
    });
    const writing = caught(writer.write(records(10), writeCtx));
    await vi.waitFor(() => expect(writer.requests).toHaveLength(1));
    await writer.close();
    expect(hasErrorCode(await writing, 'TRIB_CLOSED')).toBe(true);
    // A result arriving after close is ignored, not an unhandled rejection.
    writer.requests[0]?.fail(new Error('late'));
    await turn();
  });

  it('passes a per-record context, with the subtask id, to the element converter', async () => {
    const seen: unknown[] = [];
    const writer = new MockAsyncSinkWriter({
      submit: ok,
      context: { ...testInitContext(), subtaskId: 3, parallelism: 4 },
      elementConverter: (r, ctx) => {
        seen.push({ ...ctx });
        return { key: r.key, value: r.value, bytes: 1 };
      },
    });
    await writer.write([record('k', 5), record('k', 6)], {
      currentWatermark: 42,
      timestamp: (i) => 1000 + i,
    });
    expect(seen).toEqual([
      { index: 0, timestamp: 1000, currentWatermark: 42, subtaskId: 3 },
      { index: 1, timestamp: 1001, currentWatermark: 42, subtaskId: 3 },
    ]);
    await writer.close();
  });
});
