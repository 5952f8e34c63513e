import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { Pipeline } from '../runtime/pipeline.js';
import { HybridSource } from '../source/hybrid/hybrid-source.js';
import { CollectionSource } from './collection/collection-source.js';
import { type DataGeneratorEndPosition, DataGeneratorSource } from './datagen/data-generator-source.js';
import { CollectSink } from './sinks/collect-sink.js';
import { DiscardingSink } from './sinks/discarding-sink.js';
import { PrintSink } from './sinks/print-sink.js';
import { cleanupOrphans, readCommitted } from './transactional/transactional-store.js';
import { TwoPhaseCommitTestSink } from './transactional/two-phase-commit-test-sink.js';

/**
 * The snippets of docs/builtins.md and docs/hybrid-source.md. Each `#region` is copied into the
 * docs verbatim (docs-sections.test.ts checks it), so every snippet in the docs runs here.
 */

const env = { logger: silentLogger };
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trib-docs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('docs examples', () => {
  it('datagen', async () => {
    // #region datagen
    const orders = new DataGeneratorSource({
      generator: (i) => ({ orderId: i, amountCents: (i * 7919) % 10_000 }),
      count: 10_000, // omit for an endless stream
      recordsPerSecond: 50_000, // for the whole source, split among readers
      timestamp: (i) => Date.UTC(2024, 0, 1) + i * 1000, // event time of record i
    });
    using out = CollectSink.create<{ orderId: number; amountCents: number }>();
    await Pipeline.from(orders).sinkTo(out.sink).execute({ parallelism: 2 }, env);
    // out.results() holds orderId 0 … 9999, each exactly once
    // #endregion datagen
    expect(new Set(out.results().map((o) => o.orderId)).size).toBe(10_000);
  });

  it('collection and print', async () => {
    const lines: string[] = [];
    // #region collection-print
    const words = CollectionSource.of(['alpha', 'beta', 'gamma']);
    await Pipeline.from(words)
      .map((w) => w.toUpperCase())
      .sinkTo(new PrintSink({ identifier: 'words', target: (line) => lines.push(line) }))
      .execute({ parallelism: 1 }, env);
    // lines: ['words:0> ALPHA', 'words:0> BETA', 'words:0> GAMMA']
    // #endregion collection-print
    expect(lines).toEqual(['words:0> ALPHA', 'words:0> BETA', 'words:0> GAMMA']);
  });

  it('discard', async () => {
    // #region discard
    const client = Pipeline.from(new DataGeneratorSource({ generator: (i) => i, count: 100_000 }))
      .sinkTo(new DiscardingSink())
      .start({ parallelism: 2 }, env);
    await client.result;
    const sent = client.metrics.sum('numRecordsSend'); // 100000
    // #endregion discard
    expect(sent).toBe(100_000);
  });

  it('collect', async () => {
    // #region collect
    using out = CollectSink.create<number>({ deliveryGuarantee: 'exactly-once' });
    const job = Pipeline.from(new DataGeneratorSource({ generator: (i) => i, recordsPerSecond: 2_000 }))
      .sinkTo(out.sink)
      .start({ parallelism: 2, checkpointing: { intervalMs: 50 } }, env);
    const firstHundred = await out.waitForCount(100, { timeoutMs: 10_000 }); // committed records only
    await job.cancel();
    // #endregion collect
    expect(firstHundred.length).toBeGreaterThanOrEqual(100);
  });

  it('two-phase commit test sink', async () => {
    // #region txn-sink
    const directory = join(dir, 'orders-out');
    const sink = new TwoPhaseCommitTestSink<{ id: number }>({ directory });
    const checkpointing = { intervalMs: 20, directory: join(dir, 'checkpoints') };
    await Pipeline.from(new DataGeneratorSource({ generator: (i) => ({ id: i }), count: 5_000 }))
      .sinkTo(sink)
      .execute({ parallelism: 2, checkpointing }, env);

    const { records, files } = await readCommitted<{ id: number }>(directory);
    // records: 5000 ids, each exactly once; files: per subtask, in write order
    await cleanupOrphans(directory); // the job finished: no staging file can be committed any more
    // #endregion txn-sink
    expect(records.length).toBe(5_000);
    expect(new Set(records.map((r) => r.id)).size).toBe(5_000);
    expect(files.length).toBeGreaterThan(0);
  });

  it('hybrid builder forms', () => {
    const firstSource = CollectionSource.of([{ id: 0 }]);
    const secondSource = CollectionSource.of([{ id: 1 }]);
    const buildFrom = (position: unknown) =>
      new DataGeneratorSource({
        generator: (i) => ({ id: i }),
        startIndex: (position as { nextIndex?: number })?.nextIndex ?? 2,
      });
    // #region hybrid-builder
    const source = HybridSource.builder(firstSource) // a source object
      .addSource(secondSource) // a source known up front
      .addSource((ctx) => buildFrom(ctx.previousEndPosition), 'unbounded') // built at switch time
      .build();
    // #endregion hybrid-builder
    // The last source decides: declared unbounded, so the hybrid source is unbounded.
    expect(source.boundedness).toBe('unbounded');
  });

  it('hybrid', async () => {
    // #region hybrid
    const history = CollectionSource.of(
      [
        { id: 0, source: 'archive' },
        { id: 1, source: 'archive' },
      ],
      { endPosition: { nextIndex: 2 } }, // e.g. "the archive ends before event 2"
    );
    const live = HybridSource.builder(history)
      .addSource(({ previousEndPosition }) => {
        const { nextIndex } = previousEndPosition as DataGeneratorEndPosition;
        return new DataGeneratorSource({
          generator: (i) => ({ id: i, source: 'live' }),
          startIndex: nextIndex, // continue where the archive ended
          count: 3, // drop `count` (and declare 'unbounded') for a live tail
        });
      }, 'bounded')
      .build();
    using out = CollectSink.create<{ id: number; source: string }>();
    await Pipeline.from(live).sinkTo(out.sink).execute({ parallelism: 1 }, env);
    // ids 0, 1 from the archive, then 2, 3, 4 from the generator
    // #endregion hybrid
    expect(out.results()).toEqual([
      { id: 0, source: 'archive' },
      { id: 1, source: 'archive' },
      { id: 2, source: 'live' },
      { id: 3, source: 'live' },
      { id: 4, source: 'live' },
    ]);
  });
});
