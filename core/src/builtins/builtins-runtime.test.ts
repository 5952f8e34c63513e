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
import { readCommitted } from './transactional/transactional-store.js';
import { TwoPhaseCommitTestSink } from './transactional/two-phase-commit-test-sink.js';

/** The built-ins run through the real runtime (checkpoints, failure, restart, commit). */

const env = { logger: silentLogger };
const restartOnce = { type: 'fixed-delay', attempts: 3, delayMs: 5 } as const;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trib-builtins-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A map that throws once when it sees `at`: the job fails and restarts from its checkpoint. */
function failOnceAt<T>(pick: (v: T) => number, at: number): (v: T) => T {
  let failed = false;
  return (v) => {
    if (!failed && pick(v) === at) {
      failed = true;
      throw new Error(`injected failure at ${at}`);
    }
    return v;
  };
}

describe('built-ins through the runtime', () => {
  it('hybrid (collection → collection → datagen from end position) into the 2PC sink: exactly once across a failure', async () => {
    const a = CollectionSource.of(
      Array.from({ length: 3000 }, (_, i) => i),
      { maxRecordsPerPoll: 50, endPosition: { nextIndex: 3000 } },
    );
    const b = ({ previousEndPosition }: { previousEndPosition: unknown }) =>
      new DataGeneratorSource({
        generator: (i) => i,
        startIndex: (previousEndPosition as DataGeneratorEndPosition).nextIndex,
        count: 3000,
        maxRecordsPerPoll: 50,
        recordsPerSecond: 60_000,
      });
    const source = HybridSource.builder<number>(a).addSource(b, 'bounded').build();
    const sink = new TwoPhaseCommitTestSink<number>({ directory: join(dir, 'out') });
    const result = await Pipeline.from(source)
      .map(failOnceAt<number>((v) => v, 4_321))
      .sinkTo(sink)
      .execute(
        {
          parallelism: 2,
          checkpointing: { intervalMs: 20, directory: join(dir, 'chk') },
          restartStrategy: restartOnce,
        },
        env,
      );
    expect(result.status).toBe('finished');
    expect(result.restarts).toBe(1);
    const { records } = await readCommitted<number>(join(dir, 'out'));
    expect(records.length).toBe(6000);
    expect([...records].sort((x, y) => x - y)).toEqual(Array.from({ length: 6000 }, (_, i) => i));
  });

  it('datagen into an exactly-once CollectSink: exactly once across a failure', async () => {
    using out = CollectSink.create<{ id: number }>({ deliveryGuarantee: 'exactly-once' });
    const source = new DataGeneratorSource({
      generator: (i) => ({ id: i }),
      count: 5000,
      maxRecordsPerPoll: 100,
    });
    const result = await Pipeline.from(source)
      .map(failOnceAt<{ id: number }>((v) => v.id, 2_500))
      .sinkTo(out.sink)
      .execute({ parallelism: 3, checkpointing: { intervalMs: 10 }, restartStrategy: restartOnce }, env);
    expect(result.restarts).toBe(1);
    const ids = out.results().map((r) => r.id);
    expect(ids.length).toBe(5000);
    expect(new Set(ids).size).toBe(5000);
  });

  it('at-least-once CollectSink: nothing lost across a failure (duplicates allowed)', async () => {
    using out = CollectSink.create<number>();
    const source = CollectionSource.of(
      Array.from({ length: 4000 }, (_, i) => i),
      { maxRecordsPerPoll: 100 },
    );
    await Pipeline.from(source)
      .map(failOnceAt<number>((v) => v, 3_210))
      .sinkTo(out.sink)
      .execute({ parallelism: 2, checkpointing: { intervalMs: 10 }, restartStrategy: restartOnce }, env);
    expect(new Set(out.results()).size).toBe(4000);
    expect(out.size).toBeGreaterThanOrEqual(4000);
  });
});
