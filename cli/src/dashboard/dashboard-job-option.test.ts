import { DiscardingSink, Pipeline, Source } from '@tributary/core';
import { expect, it } from 'vitest';
import { heldNumbers } from '../../test/held-numbers.js';
import type { JobSnapshot } from '../monitor/job-monitor.js';

it('the job option `dashboard` serves the dashboard of a TypeScript pipeline while it runs', async () => {
  const { numbers, release } = heldNumbers(50); // the job keeps running until release()
  // #region dashboard-option
  const job = Pipeline.from(
    Source.fromAsyncIterable(() => numbers()),
    { name: 'numbers' },
  ).sinkTo(new DiscardingSink<number>(), { name: 'discard' });
  const client = job.start({ jobName: 'numbers', parallelism: 1, dashboard: { port: 0 } });
  const dashboard = await client.dashboard(); // { url: 'http://127.0.0.1:<port>/' }
  // #endregion dashboard-option
  if (!dashboard) throw new Error('no dashboard although the option is set');
  try {
    const page = await fetch(dashboard.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<table id="subtasks">');
    await expect
      .poll(async () => {
        const s = (await (await fetch(new URL('api/snapshot', dashboard.url))).json()) as JobSnapshot;
        return { job: s.jobName, records: s.recordsIn, sink: s.pipeline.sink.name };
      })
      .toEqual({ job: 'numbers', records: 50, sink: 'discard' });
  } finally {
    release();
    await client.result;
  }
  // It stops serving when the job ends.
  await expect
    .poll(() =>
      fetch(dashboard.url).then(
        () => 'up',
        () => 'down',
      ),
    )
    .toBe('down');
});

it('without the option there is no dashboard', async () => {
  const client = Pipeline.from(
    Source.fromAsyncIterable(async function* () {
      yield 1;
    }),
  )
    .sinkTo(new DiscardingSink<number>())
    .start();
  expect(await client.dashboard()).toBeUndefined();
  await client.result;
});
