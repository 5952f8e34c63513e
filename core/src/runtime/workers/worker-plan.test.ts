import { describe, expect, it } from 'vitest';
import { CollectionSource } from '../../builtins/collection/collection-source.js';
import { CollectSink } from '../../builtins/sinks/collect-sink.js';
import { createJsonLogger } from '../../logging/logger.js';
import { JobOptions, type JobOptionsInput } from '../job-options.js';
import { Pipeline } from '../pipeline.js';
import type { JobOrigin } from './job-module.js';
import { resolveWorkerPlan, workerOfSubtask } from './worker-plan.js';

const origin: JobOrigin = { url: 'file:///jobs/job.js', params: { a: 1 } };

function plan(input: JobOptionsInput, from: JobOrigin | undefined, cores: number) {
  const lines: Record<string, unknown>[] = [];
  const logger = createJsonLogger({ level: 'info', write: (l) => lines.push(JSON.parse(l)) });
  return { plan: resolveWorkerPlan(JobOptions.parse(input), from, logger, cores), lines };
}

describe('resolveWorkerPlan', () => {
  it("'auto' is the default: one worker thread per core, capped by parallelism", () => {
    expect(plan({ parallelism: 4 }, origin, 2).plan).toMatchObject({ mode: 'threads', count: 2, origin });
    expect(plan({ parallelism: 3 }, origin, 8).plan).toMatchObject({ mode: 'threads', count: 3 });
  });

  it("'auto' on one core or at parallelism 1 keeps the single loop", () => {
    expect(plan({ parallelism: 4 }, origin, 1).plan).toEqual({ mode: 'local' });
    expect(plan({ parallelism: 1 }, origin, 8).plan).toEqual({ mode: 'local' });
  });

  it("'auto' with a pipeline built inline falls back to the single loop and logs why", () => {
    const { plan: p, lines } = plan({ parallelism: 4 }, undefined, 4);
    expect(p).toEqual({ mode: 'local' });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.msg).toMatch(/built inline.*defineJob/);
  });

  it('an explicit worker count for an inline pipeline is an error naming the key and the fix', () => {
    expect(() => plan({ parallelism: 4, workers: 2 }, undefined, 4)).toThrow(
      /workers: 2 needs a job loaded from a module.*defineJob/,
    );
    expect(() => plan({ parallelism: 4, workers: { processes: 2 } }, undefined, 4)).toThrow(
      /TRIB_INVALID_OPTIONS|module/,
    );
    expect(plan({ parallelism: 4, workers: 1 }, undefined, 4).plan).toEqual({ mode: 'local' });
  });

  it('{ threads: 1 } and { processes: n } always use workers; counts are capped by parallelism', () => {
    expect(plan({ parallelism: 2, workers: { threads: 1 } }, origin, 4).plan).toMatchObject({
      mode: 'threads',
      count: 1,
    });
    expect(plan({ parallelism: 2, workers: { processes: 3 } }, origin, 4).plan).toMatchObject({
      mode: 'processes',
      count: 2,
    });
    expect(plan({ parallelism: 2, workers: 1 }, origin, 4).plan).toEqual({ mode: 'local' });
  });

  it('resource limits travel with the plan', () => {
    const limits = { maxOldGenerationSizeMb: 256 };
    expect(plan({ parallelism: 2, workers: 2, workerResourceLimits: limits }, origin, 2).plan).toMatchObject({
      resourceLimits: limits,
    });
  });

  it('the options schema rejects a malformed workers value', () => {
    expect(() => JobOptions.parse({ workers: 0 })).toThrow(/workers/);
    expect(() => JobOptions.parse({ workers: { threads: 2, processes: 2 } })).toThrow(/workers/);
  });

  it('spreads subtasks round-robin', () => {
    expect([0, 1, 2, 3, 4].map((s) => workerOfSubtask(s, 2))).toEqual([0, 1, 0, 1, 0]);
  });
});

describe('an inline pipeline with workers', () => {
  it('fails the job before it starts when a worker count was asked for', async () => {
    const { sink } = CollectSink.create<number>();
    const job = Pipeline.from(new CollectionSource([1, 2, 3])).sinkTo(sink);
    await expect(job.execute({ parallelism: 2, workers: 2 })).rejects.toThrow(
      /needs a job loaded from a module/,
    );
  });

  it("runs on the single loop with 'auto'", async () => {
    const handle = CollectSink.create<number>();
    const result = await Pipeline.from(new CollectionSource([1, 2, 3]))
      .sinkTo(handle.sink)
      .execute({ parallelism: 2, workers: 'auto' });
    expect(result.status).toBe('finished');
    expect([...handle.readFrom(0)].sort()).toEqual([1, 2, 3]);
  });
});
