import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CollectSink, DataGeneratorSource, MetricRegistry, Pipeline, silentLogger } from '../index.js';

// The runnable example of docs/concepts.md ("A first job"); keep the two in sync.
it('docs/concepts.md example: datagen → map/filter → collect, exactly once with checkpoints', async () => {
  const checkpoints = await mkdtemp(join(tmpdir(), 'trib-concepts-'));
  // #region concepts-example
  interface Order {
    readonly id: number;
    readonly price: number;
    readonly quantity: number;
  }
  const source = new DataGeneratorSource<Order>({
    generator: (i) => ({ id: i, price: (i % 50) + 1, quantity: i % 4 }),
    count: 10_000,
  });
  using results = CollectSink.create<Order & { total: number }>({ deliveryGuarantee: 'exactly-once' });
  const metrics = new MetricRegistry();

  const result = await Pipeline.from(source, { name: 'orders' })
    .map((order) => ({ ...order, total: order.price * order.quantity }))
    .filter((order) => order.total > 0)
    .sinkTo(results.sink, { name: 'collect' })
    .execute(
      { parallelism: 4, checkpointing: { intervalMs: 100, directory: checkpoints } },
      { metricRegistry: metrics, logger: silentLogger },
    );
  // #endregion concepts-example

  expect(result.status).toBe('finished');
  expect(metrics.sum('numRecordsIn')).toBe(10_000);
  const ids = results
    .results()
    .map((o) => o.id)
    .sort((a, b) => a - b);
  expect(ids).toEqual(Array.from({ length: 10_000 }, (_, i) => i).filter((i) => i % 4 !== 0));
});
