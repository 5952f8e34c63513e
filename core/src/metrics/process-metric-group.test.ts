import { describe, expect, it } from 'vitest';
import { MetricRegistry } from './metric-registry.js';
import { ProcessMetricGroup } from './process-metric-group.js';

/** Blocks the event loop for `ms` (the behaviour under test is event-loop lag). */
function blockFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: nothing else may run
  }
}

/** Lets the sampling timer fire at least a few times. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 15));
}

describe('ProcessMetricGroup', () => {
  it('registers memory gauges with the group labels', () => {
    const registry = new MetricRegistry();
    const group = new ProcessMetricGroup(registry, { job: 'j' });
    try {
      const heap = registry.find('heapUsedBytes', { job: 'j' });
      expect(heap?.kind).toBe('gauge');
      expect(heap?.read()).toBeGreaterThan(0);
      expect(registry.find('heapTotalBytes')?.read()).toBeGreaterThanOrEqual(heap?.read() ?? 0);
      expect(registry.find('rssBytes')?.read()).toBeGreaterThan(0);
      expect(heap?.description).toMatch(/heap/i);
    } finally {
      group.close();
    }
  });

  it('reports event-loop lag caused by a blocked loop, per window', async () => {
    let now = 0;
    const registry = new MetricRegistry();
    const group = new ProcessMetricGroup(
      registry,
      { job: 'j' },
      { resolutionMs: 10, windowMs: 1000, now: () => now },
    );
    try {
      await turns(3);
      blockFor(120);
      await turns(3);
      // Partial first window: the block is visible before the window closes.
      expect(registry.find('eventLoopLagMaxMs')?.read()).toBeGreaterThanOrEqual(80);
      now = 1000;
      const max = registry.find('eventLoopLagMaxMs')?.read();
      expect(max).toBeGreaterThanOrEqual(80);
      expect(registry.find('eventLoopLagMs')?.read()).toBeGreaterThan(0);
      expect(registry.find('eventLoopLagP99Ms')?.read()).toBeLessThanOrEqual(max ?? 0);
      // Within the next window, reads keep returning the completed window's numbers.
      await turns(3);
      expect(registry.find('eventLoopLagMaxMs')?.read()).toBe(max);
      // Once a quiet window completes, the old block no longer shows.
      now = 2000;
      expect(registry.find('eventLoopLagMaxMs')?.read()).toBeLessThan(max ?? 0);
    } finally {
      group.close();
    }
  });

  it('removes its gauges on close and tolerates a second close', () => {
    const registry = new MetricRegistry();
    const group = new ProcessMetricGroup(registry, { job: 'j' });
    group.close();
    group.close();
    expect(registry.find('heapUsedBytes')).toBeUndefined();
    expect(registry.find('eventLoopLagMs')).toBeUndefined();
  });
});
