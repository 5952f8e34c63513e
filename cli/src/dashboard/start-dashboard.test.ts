import { DiscardingSink, Pipeline, Source } from '@tributary/core';
import { expect, it } from 'vitest';
import { heldNumbers } from '../../test/held-numbers.js';
import type { JobSnapshot } from '../monitor/job-monitor.js';
import { startDashboard } from './start-dashboard.js';

it('serves the dashboard and live snapshots for a job started in TypeScript', async () => {
  const { numbers, release } = heldNumbers(100); // the job keeps running until release()
  // #region dashboard-in-code
  const job = Pipeline.from(
    Source.fromAsyncIterable(() => numbers()),
    { name: 'numbers' },
  )
    .map((n) => n * 2, 'double')
    .sinkTo(new DiscardingSink<number>(), { name: 'discard' });
  const client = job.start({ jobName: 'numbers', checkpointing: { intervalMs: 50 } });
  const dashboard = await startDashboard(client, job, { jobName: 'numbers' });
  // open dashboard.url (http://127.0.0.1:<port>/) in a browser
  // #endregion dashboard-in-code
  try {
    const page = await fetch(dashboard.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<table id="subtasks">');
    await expect
      .poll(async () => {
        const s = (await (await fetch(new URL('api/snapshot', dashboard.url))).json()) as JobSnapshot;
        return { records: s.recordsIn, checkpoint: s.checkpoints.some((c) => c.status === 'completed') };
      })
      .toEqual({ records: 100, checkpoint: true });
    const snapshot = (await (await fetch(new URL('api/snapshot', dashboard.url))).json()) as JobSnapshot;
    expect(snapshot.pipeline).toEqual({
      source: { name: 'numbers', connector: 'numbers' },
      operators: ['double'],
      sink: { name: 'discard', connector: 'discard' },
      parallelism: 1,
    });
    // Control requests need the token; a page elsewhere cannot send it.
    const refused = await fetch(new URL('api/savepoint', dashboard.url), { method: 'POST', body: '{}' });
    expect(refused.status).toBe(401);
  } finally {
    release();
    await client.result;
    await dashboard.close();
  }
});
