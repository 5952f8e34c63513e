import { Counter, MetricRegistry, type RegisteredMetric } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { labelKey, SeriesLimiter } from './series-limiter.js';

function series(registry: MetricRegistry, name: string): RegisteredMetric[] {
  return registry.metrics().filter((m) => m.name === name);
}

describe('SeriesLimiter', () => {
  it('keeps the first series, frees slots when series go away, and zeroes a vanished metric', () => {
    const registry = new MetricRegistry();
    for (const file of ['a', 'b', 'c']) registry.registerCounter('numBytesIn', { file }, new Counter());
    const limits: [string, number][] = [];
    const limiter = new SeriesLimiter(2, (name, dropped) => limits.push([name, dropped]));

    const kept = limiter.admit('numBytesIn', series(registry, 'numBytesIn'));
    expect(kept.map((m) => m.labels.file)).toEqual(['a', 'b']);
    expect(limiter.dropped().get('numBytesIn')).toBe(1);
    // A new series does not displace an admitted one.
    registry.registerCounter('numBytesIn', { file: 'd' }, new Counter());
    expect(limiter.admit('numBytesIn', series(registry, 'numBytesIn')).map((m) => m.labels.file)).toEqual([
      'a',
      'b',
    ]);
    expect(limiter.dropped().get('numBytesIn')).toBe(2);
    expect(limits).toEqual([['numBytesIn', 1]]);

    registry.unregisterMatching({ file: 'a' });
    expect(limiter.admit('numBytesIn', series(registry, 'numBytesIn')).map((m) => m.labels.file)).toEqual([
      'b',
      'c',
    ]);
    expect(limiter.dropped().get('numBytesIn')).toBe(1);

    limiter.retain(new Set());
    expect(limiter.dropped().get('numBytesIn')).toBe(0);
  });

  it('identifies label sets independently of key order', () => {
    expect(labelKey({ a: '1', b: '2' })).toBe(labelKey({ b: '2', a: '1' }));
    expect(labelKey({ a: '1', b: '2' })).not.toBe(labelKey({ a: '12' }));
  });
});
