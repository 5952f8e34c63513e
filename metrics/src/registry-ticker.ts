import type { MetricRegistry } from '@tributary/core';

interface TickerState {
  timer: NodeJS.Timeout | undefined;
  intervalMs: number;
  readonly subscribers: Map<symbol, number>;
}

const tickers = new WeakMap<MetricRegistry, TickerState>();

/**
 * Keeps `registry.tick()` running while at least one reporter needs per-second rates.
 *
 * Why shared: `tick()` computes each rate over the time since the previous tick, whoever made it.
 * If every reporter ticked on its own schedule, two ticks a millisecond apart would turn the
 * rates into noise. One ticker per registry, at the shortest interval any reporter asked for,
 * keeps every rate a rate over a steady window. The timer is unref'd so it never keeps the
 * process alive.
 *
 * @returns a release function (idempotent); the ticker stops when the last subscriber releases.
 * @internal
 */
export function subscribeTicks(registry: MetricRegistry, intervalMs: number): () => void {
  let state = tickers.get(registry);
  if (state === undefined) {
    state = { timer: undefined, intervalMs: Number.POSITIVE_INFINITY, subscribers: new Map() };
    tickers.set(registry, state);
    // First sample now, so the first rate exists after one interval instead of two.
    registry.tick();
  }
  const id = Symbol('tick-subscriber');
  state.subscribers.set(id, intervalMs);
  reschedule(registry, state);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const current = tickers.get(registry);
    if (current === undefined) return;
    current.subscribers.delete(id);
    if (current.subscribers.size === 0) {
      clearInterval(current.timer);
      tickers.delete(registry);
      return;
    }
    reschedule(registry, current);
  };
}

function reschedule(registry: MetricRegistry, state: TickerState): void {
  const wanted = Math.min(...state.subscribers.values());
  if (wanted === state.intervalMs && state.timer !== undefined) return;
  clearInterval(state.timer);
  state.intervalMs = wanted;
  state.timer = setInterval(() => registry.tick(), wanted);
  state.timer.unref();
}

/** The interval the registry is currently ticked at, or undefined when nobody ticks it. @internal */
export function tickIntervalOf(registry: MetricRegistry): number | undefined {
  return tickers.get(registry)?.intervalMs;
}
