import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommitRequest, SinkWriterContext, StatefulSinkWriter } from '../../api/sink.js';
import { hasErrorCode } from '../../errors/tributary-error.js';
import { silentLogger } from '../../logging/logger.js';
import { SinkWriterMetricGroup } from '../../metrics/metric-groups.js';
import { MetricRegistry } from '../../metrics/metric-registry.js';
import { Pipeline } from '../../runtime/pipeline.js';
import { MemoryCommittingSink } from '../../runtime/testing-fixtures/memory-committing-sink.js';
import { rangeSource } from '../../runtime/testing-fixtures/range-source.js';
import { jsonSerializer } from '../../serialization/versioned-serializer.js';
import { fakeCommitterContext, fakeWriterContext } from '../../testing/fake-contexts.js';
import { DiscardingSink } from './discarding-sink.js';
import { RoutingSink } from './routing-sink.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'trib-routing-'));
  dirs.push(d);
  return d;
}

const range = (n: number, pred: (i: number) => boolean) =>
  Array.from({ length: n }, (_, i) => i).filter(pred);

describe('RoutingSink', () => {
  it('routes every record to exactly one exactly-once sink, across a restart', async () => {
    const dir = await tempDir();
    const even = new MemoryCommittingSink();
    const odd = new MemoryCommittingSink();
    let failed = false;
    await Pipeline.from(rangeSource({ total: 3000, numSplits: 4, batchSize: 10, pauseMs: 1 }))
      .map((i) => {
        // Fail once, after some checkpoints completed, so the job restores and re-commits.
        if (i === 1777 && !failed) {
          failed = true;
          throw new Error('boom');
        }
        return i;
      })
      .sinkTo(new RoutingSink({ even, odd }, (i) => (i % 2 === 0 ? 'even' : 'odd')))
      .execute(
        {
          parallelism: 2,
          checkpointing: { intervalMs: 10, directory: join(dir, 'chk') },
          restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 0 },
        },
        { logger: silentLogger },
      );
    expect(failed).toBe(true);
    const committed = (sink: MemoryCommittingSink) =>
      [...sink.committed.values()].flatMap((t) => t.records).sort((a, b) => a - b);
    expect(committed(even)).toEqual(range(3000, (i) => i % 2 === 0));
    expect(committed(odd)).toEqual(range(3000, (i) => i % 2 === 1));
  });

  it('counts each route under its own route label and the total on the sink series', async () => {
    const registry = new MetricRegistry();
    const metricGroup = new SinkWriterMetricGroup(registry, { job: 'j', operator: 'routing', subtask: '0' });
    const sink = new RoutingSink<number>(
      { valid: new DiscardingSink<number>(), deadLetters: new DiscardingSink<number>() },
      (i) => (i % 10 === 0 ? 'deadLetters' : 'valid'),
    );
    const writer = await sink.createWriter(fakeWriterContext({ metricGroup }));
    const ctx: SinkWriterContext = { currentWatermark: undefined, timestamp: () => undefined };
    await writer.write(
      Array.from({ length: 95 }, (_, i) => i),
      ctx,
    );
    await writer.write([100, 101], ctx);
    const read = (name: string, labels: Record<string, string>) => registry.find(name, labels)?.read();
    expect(read('numRecordsSend', { route: 'deadLetters' })).toBe(11);
    expect(read('numRecordsOut', { route: 'deadLetters' })).toBe(11);
    expect(read('numRecordsSend', { route: 'valid' })).toBe(86);
    // The subtask-level series (no route label) stays the sink's total.
    const total = registry.metrics().find((m) => m.name === 'numRecordsSend' && m.labels.route === undefined);
    expect(total?.read()).toBe(97);
    expect(metricGroup.numRecordsSend.count).toBe(97);
  });

  it('tags committables by route and hands each to its own committer', async () => {
    const a = new MemoryCommittingSink();
    const b = new MemoryCommittingSink();
    const sink = new RoutingSink<number>({ a, b }, (i) => (i < 10 ? 'a' : 'b'));
    const writer = (await sink.createWriter(fakeWriterContext())) as StatefulSinkWriter<number, unknown> & {
      prepareCommit(): Promise<unknown[]>;
    };
    const ctx: SinkWriterContext = { currentWatermark: undefined, timestamp: () => undefined };
    await writer.write([1, 20, 2, 30], ctx);
    await writer.flush(false);
    const committables = await writer.prepareCommit();
    // Through the serializer, as the runtime stores them in the checkpoint.
    const roundTripped = committables.map((c) =>
      sink.committableSerializer.deserialize(
        sink.committableSerializer.version,
        sink.committableSerializer.serialize(c as never),
      ),
    );
    expect(roundTripped.map((c) => c.route)).toEqual(['a', 'b']);
    const committer = await sink.createCommitter(fakeCommitterContext());
    const already: number[] = [];
    const requests = (n: number): CommitRequest<(typeof roundTripped)[number]>[] =>
      roundTripped.map((committable, i) => ({
        committable,
        numberOfRetries: n,
        signalFailedWithKnownReason: () => {},
        signalFailedWithUnknownReason: (e) => {
          throw e;
        },
        retryLater: () => {},
        updateAndRetryLater: () => {},
        signalAlreadyCommitted: () => already.push(i),
      }));
    await committer.commit(requests(0));
    expect([...a.committed.values()].flatMap((t) => t.records)).toEqual([1, 2]);
    expect([...b.committed.values()].flatMap((t) => t.records)).toEqual([20, 30]);
    await committer.commit(requests(0)); // a re-commit after restore is idempotent per route
    expect(already).toEqual([0, 1]);
    await writer.close();
    await committer.close();
  });

  it('snapshots and restores each route writer state by route name', async () => {
    const restored: Record<string, unknown[]> = {};
    const stateful = (name: string) => ({
      writerStateSerializer: jsonSerializer<number[]>(),
      createWriter: () => statefulWriter([]),
      restoreWriter: (_ctx: unknown, states: readonly number[][]) => {
        restored[name] = [...states];
        return statefulWriter(states.flat());
      },
    });
    const statefulWriter = (initial: number[]): StatefulSinkWriter<number, number[]> => {
      const seen = [...initial];
      return {
        write: async (batch) => void seen.push(...batch),
        flush: async () => {},
        snapshotState: async () => [seen],
        close: async () => {},
      };
    };
    const sink = new RoutingSink<number>({ x: stateful('x'), y: stateful('y') }, (i) => (i % 2 ? 'x' : 'y'));
    const writer = (await sink.createWriter(fakeWriterContext())) as StatefulSinkWriter<number, never>;
    await writer.write([1, 2, 3], { currentWatermark: undefined, timestamp: () => undefined });
    const states = (await writer.snapshotState(1)).map((s) =>
      sink.writerStateSerializer.deserialize(1, sink.writerStateSerializer.serialize(s)),
    );
    // Two old subtasks' states merged into one new subtask (a scale-down).
    await sink.restoreWriter(fakeWriterContext(), [...states, ...states]);
    expect(restored).toEqual({
      x: [
        [1, 3],
        [1, 3],
      ],
      y: [[2], [2]],
    });
  });

  it('fails with TRIB_ROUTING_UNKNOWN_ROUTE naming the route', async () => {
    const sink = new RoutingSink<number>({ a: new MemoryCommittingSink() }, () => 'nope');
    const writer = await sink.createWriter(fakeWriterContext());
    const error = await writer
      .write([1], { currentWatermark: undefined, timestamp: () => undefined })
      .catch((e: unknown) => e);
    expect(hasErrorCode(error, 'TRIB_ROUTING_UNKNOWN_ROUTE')).toBe(true);
    expect(String(error)).toContain("'nope'");
  });
});
