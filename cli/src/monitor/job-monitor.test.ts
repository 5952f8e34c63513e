import { Pipeline, type Sink, Source } from '@tributary/core';
import { expect, it } from 'vitest';
import { JobMonitor } from './job-monitor.js';

it('shows per-subtask backpressure: the share of each second spent blocked in the sink', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  // A sink that keeps its subtask waiting until the test lets it go.
  const stuck: Sink<number> = {
    createWriter: () => ({ write: () => gate, flush: async () => {}, close: async () => {} }),
  };
  async function* numbers() {
    for (let i = 0; i < 10; i++) yield i;
  }
  const job = Pipeline.from(
    Source.fromAsyncIterable(() => numbers()),
    { name: 'numbers' },
  ).sinkTo(stuck, {
    name: 'stuck',
  });
  const client = job.start({ jobName: 'stuck' });
  const monitor = new JobMonitor(client, 'stuck', {
    source: { name: 'numbers', connector: 'numbers' },
    operators: [],
    sink: { name: 'stuck', connector: 'stuck' },
    parallelism: 1,
  });
  try {
    await expect
      .poll(() => monitor.snapshot().subtasks[0]?.backPressuredMsPerSecond ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(0);
    const [subtask] = monitor.snapshot().subtasks;
    expect(subtask?.backPressuredMsPerSecond).toBeLessThanOrEqual(1000);
    expect(subtask?.backPressuredMs).toBeGreaterThan(0);
  } finally {
    release();
    await client.result;
    monitor.close();
  }
});
