import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CollectionSource,
  CollectSink,
  DataGeneratorSource,
  hasErrorCode,
  MetricRegistry,
  Pipeline,
  silentLogger,
  TributaryError,
} from '../../index.js';

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DataStream.mapAsync in a job', () => {
  it('docs/concepts.md example: enrichment lookup, ordered, capacity bounds the calls in flight', async () => {
    const checkpoints = await mkdtemp(join(tmpdir(), 'trib-async-docs-'));
    let inFlight = 0;
    let maxInFlight = 0;
    // #region map-async-example
    interface Order {
      readonly id: number;
      readonly customerId: number;
    }
    // Stands in for an HTTP or database lookup; honours the abort signal.
    async function lookUpCustomer(id: number, signal: AbortSignal): Promise<{ name: string }> {
      inFlight++; // (the test checks the capacity with these two counters)
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, (id * 7) % 5));
      inFlight--;
      signal.throwIfAborted();
      return { name: `customer-${id}` };
    }

    using results = CollectSink.create<Order & { customer: string }>({ deliveryGuarantee: 'exactly-once' });
    const result = await Pipeline.from(
      new DataGeneratorSource<Order>({ generator: (i) => ({ id: i, customerId: i % 97 }), count: 2000 }),
    )
      .mapAsync(
        async (order, { signal }) => ({
          ...order,
          customer: (await lookUpCustomer(order.customerId, signal)).name,
        }),
        { capacity: 20, timeoutMs: 5000, ordered: true, retry: { maxAttempts: 3 } },
      )
      .filter((order) => order.customer !== 'customer-0')
      .sinkTo(results.sink)
      .execute(
        { parallelism: 1, checkpointing: { intervalMs: 50, directory: checkpoints } },
        { logger: silentLogger },
      );
    // #endregion map-async-example
    expect(result.status).toBe('finished');
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(20);
    const expected = Array.from({ length: 2000 }, (_, i) => i).filter((i) => i % 97 !== 0);
    // Ordered at parallelism 1 with one split: the output is in input order.
    expect(results.results().map((o) => o.id)).toEqual(expected);
    expect(results.results().every((o) => o.customer === `customer-${o.customerId}`)).toBe(true);
  });

  it('unordered at parallelism 3: every record once, in completion order, capacity per subtask', async () => {
    const inFlight = [0, 0, 0];
    const max = [0, 0, 0];
    using results = CollectSink.create<number>();
    const values = Array.from({ length: 900 }, (_, i) => i);
    await Pipeline.from(CollectionSource.of(values))
      .mapAsync(
        async (n: number, { subtaskId }) => {
          inFlight[subtaskId] = (inFlight[subtaskId] ?? 0) + 1;
          max[subtaskId] = Math.max(max[subtaskId] ?? 0, inFlight[subtaskId] ?? 0);
          await sleepMs(n % 3 === 0 ? 4 : 0);
          inFlight[subtaskId] = (inFlight[subtaskId] ?? 0) - 1;
          return n * 2;
        },
        { capacity: 8, ordered: false },
      )
      .map((n) => n + 1)
      .sinkTo(results.sink)
      .execute({ parallelism: 3 }, { logger: silentLogger });
    const out = results.results();
    expect([...out].sort((a, b) => a - b)).toEqual(values.map((n) => n * 2 + 1));
    // Each subtask reads one contiguous slice in order; slow calls were overtaken within a subtask.
    const perSubtask = [...results.resultsBySubtask().values()];
    expect(perSubtask).toHaveLength(3);
    const sorted = (xs: number[]) => xs.every((x, i) => i === 0 || (xs[i - 1] as number) < x);
    expect(perSubtask.some((xs) => !sorted(xs))).toBe(true);
    expect(Math.max(...max)).toBeLessThanOrEqual(8);
    expect(max.every((m) => m > 1)).toBe(true);
  });

  it('the source makes no records ahead of the stage: polls are cut to the room left in it', async () => {
    // Before the poll hint the reader made its whole 1 000-record poll while the stage took 5 at a
    // time, so up to ~1 000 records waited in the runtime's batch.
    let generated = 0;
    let called = 0;
    let mostAhead = 0;
    using results = CollectSink.create<number>();
    await Pipeline.from(
      new DataGeneratorSource<number>({
        generator: (i) => {
          generated++;
          mostAhead = Math.max(mostAhead, generated - called);
          return i;
        },
        count: 3000,
        maxRecordsPerPoll: 1000,
      }),
    )
      .mapAsync(
        async (n: number) => {
          called++;
          await sleepMs(0);
          return n;
        },
        { capacity: 5 },
      )
      .sinkTo(results.sink)
      .execute({ parallelism: 1 }, { logger: silentLogger });
    expect(results.results()).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(mostAhead).toBeGreaterThan(0);
    expect(mostAhead).toBeLessThanOrEqual(5);
  });

  it('a batch the operators before the stage grow past its room waits for room inside write', async () => {
    // Polls are cut to the room, but a flatMap before the stage makes 3 records of each: the
    // subtask then hands the batch to write(), which issues what fits and waits for the rest.
    let inFlight = 0;
    let mostInFlight = 0;
    using results = CollectSink.create<number>();
    await Pipeline.from(new DataGeneratorSource<number>({ generator: (i) => i, count: 200 }))
      .flatMap((n) => [3 * n, 3 * n + 1, 3 * n + 2])
      .mapAsync(
        async (n: number) => {
          mostInFlight = Math.max(mostInFlight, ++inFlight);
          await sleepMs(0);
          inFlight--;
          return n;
        },
        { capacity: 4 },
      )
      .sinkTo(results.sink)
      .execute({ parallelism: 1 }, { logger: silentLogger });
    expect(results.results()).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(mostInFlight).toBe(4);
  });

  it('reports timeouts, retries and calls in flight as metrics', async () => {
    const registry = new MetricRegistry();
    using results = CollectSink.create<number>();
    const seen = new Set<number>();
    await Pipeline.from(CollectionSource.of([1, 2, 3, 4]))
      .mapAsync(
        (n: number, { signal }) => {
          if (n % 2 === 0 && !seen.has(n)) {
            seen.add(n);
            return new Promise<number>((_, reject) =>
              signal.addEventListener('abort', () => reject(signal.reason)),
            );
          }
          return Promise.resolve(n);
        },
        { name: 'lookup', timeoutMs: 30, retry: { maxAttempts: 2, initialDelayMs: 1 } },
      )
      .sinkTo(results.sink)
      .execute({ parallelism: 1 }, { logger: silentLogger, metricRegistry: registry });
    expect(results.results()).toEqual([1, 2, 3, 4]);
    expect(registry.sum('numAsyncTimeouts')).toBe(2);
    expect(registry.sum('numAsyncRetries')).toBe(2);
    const inFlightGauge = registry.metrics().find((m) => m.name === 'asyncInFlight');
    expect(inFlightGauge?.labels.operator).toBe('lookup');
  });

  it('a failing call fails the job over; the restart from the checkpoint re-issues calls in flight, exactly once', async () => {
    const checkpoints = await mkdtemp(join(tmpdir(), 'trib-async-failover-'));
    using results = CollectSink.create<number>({ deliveryGuarantee: 'exactly-once' });
    let failed = false;
    let calls = 0;
    const result = await Pipeline.from(
      new DataGeneratorSource<number>({ generator: (i) => i, count: 3000, recordsPerSecond: 6000 }),
    )
      .mapAsync(
        async (n: number) => {
          calls++;
          await sleepMs(1);
          if (n === 1500 && !failed) {
            failed = true;
            throw new TributaryError('TEST_LOOKUP_DOWN', 'lookup service down');
          }
          return n;
        },
        { capacity: 50 },
      )
      .sinkTo(results.sink)
      .execute(
        {
          parallelism: 2,
          checkpointing: { intervalMs: 50, directory: checkpoints },
          restartStrategy: { type: 'fixed-delay', attempts: 1, delayMs: 10 },
        },
        { logger: silentLogger },
      );
    expect(result.restarts).toBe(1);
    expect(failed).toBe(true);
    expect(calls).toBeGreaterThan(3000); // calls since the checkpoint ran again
    expect([...results.results()].sort((a, b) => a - b)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });

  it('without a restart strategy the job fails with the async error as the cause', async () => {
    using results = CollectSink.create<number>();
    const run = Pipeline.from(CollectionSource.of([1]))
      .mapAsync(() => Promise.reject(new Error('nope')), { name: 'enrich' })
      .sinkTo(results.sink)
      .execute({ parallelism: 1 }, { logger: silentLogger });
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, 'TRIB_JOB_FAILED')).toBe(true);
    expect(hasErrorCode(error, 'TRIB_ASYNC_CALL_FAILED')).toBe(true);
  });

  it('rejects bad options naming the key', () => {
    expect(() => Pipeline.from(CollectionSource.of([1])).mapAsync(async (n) => n, { capacity: 0 })).toThrow(
      /mapAsync\.capacity/,
    );
  });
});
