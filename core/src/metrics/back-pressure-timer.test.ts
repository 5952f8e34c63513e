import { describe, expect, it } from 'vitest';
import type { Sink, SinkWriter } from '../api/sink.js';
import { silentLogger } from '../logging/logger.js';
import { Pipeline } from '../runtime/pipeline.js';
import { rangeSource } from '../runtime/testing-fixtures/range-source.js';
import { BackPressureTimer } from './back-pressure-timer.js';
import { MetricRegistry } from './metric-registry.js';

describe('BackPressureTimer', () => {
  it('adds up blocked time, counting a block in progress up to the read', () => {
    const timer = new BackPressureTimer();
    timer.begin(1_000);
    expect(timer.totalMs(1_400)).toBe(400);
    timer.end(1_500);
    expect(timer.totalMs(9_000)).toBe(500);
    timer.end(9_500); // an end without a begin adds nothing
    timer.begin(10_000);
    timer.end(10_250);
    expect(timer.totalMs(20_000)).toBe(750);
  });

  it('gives milliseconds blocked per second over the last window of at least a second', () => {
    const timer = new BackPressureTimer();
    expect(timer.msPerSecond(0)).toBeUndefined();
    timer.begin(200);
    timer.end(700); // 500 ms blocked in the first second
    expect(timer.msPerSecond(1_000)).toBe(500);
    timer.begin(1_000); // blocked the whole next second, still blocked when read
    expect(timer.msPerSecond(1_500)).toBe(500); // the same until the next window completes
    expect(timer.msPerSecond(2_000)).toBe(1_000);
    timer.end(2_000);
    expect(timer.msPerSecond(3_000)).toBe(0);
  });
});

describe('accumulatedBackPressuredTimeMs', () => {
  it('grows while the sink keeps the subtask waiting in write() and stops when it accepts', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const blocked = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const written: number[] = [];
    const writer: SinkWriter<number> = {
      write: async (batch) => {
        entered();
        await gate;
        written.push(...batch);
      },
      flush: async () => {},
      close: async () => {},
    };
    const sink: Sink<number> = { createWriter: () => writer };
    const registry = new MetricRegistry();
    const client = Pipeline.from(rangeSource({ total: 10, numSplits: 1 }), { name: 'numbers' })
      .sinkTo(sink, { name: 'gated' })
      .start({ jobName: 'blocked' }, { logger: silentLogger, metricRegistry: registry });
    const blockedMs = () =>
      registry.find('accumulatedBackPressuredTimeMs', { operator: 'gated', subtask: '0' })?.read() ?? 0;
    await blocked;
    const first = blockedMs();
    // The block is still in progress: the counter moves without write() returning.
    await expect.poll(blockedMs).toBeGreaterThan(first);
    release();
    await client.result;
    expect(written).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const after = blockedMs();
    expect(after).toBeGreaterThan(first);
    expect(blockedMs()).toBe(after); // nothing is blocked any more
    expect(registry.find('backPressuredTimeMsPerSecond', { operator: 'gated', subtask: '0' })).toBeDefined();
  });
});
