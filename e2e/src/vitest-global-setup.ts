/**
 * Global setup of the vitest `e2e` project (see the root vitest.config.ts).
 *
 * - Gives the run an id (`TRIBUTARY_E2E_RUN_ID`, inherited by the workers) that the harness
 *   records on every service it starts.
 * - `TRIBUTARY_E2E_SERVICES=kafka,postgres` starts those up front, in parallel, so the first test
 *   file does not pay for them one after another. Without it, services start on first
 *   `useService()`.
 * - Teardown: private database instances of this run that a test left open are stopped. Under
 *   `CI=true` (or `TRIBUTARY_E2E_STOP=1`) it stops the services this run started, so CI leaves no
 *   process behind. Locally they stay up and the next run reuses them in milliseconds; `pnpm
 *   services down` stops them. With `TRIBUTARY_E2E_TEARDOWN=runner` (set by
 *   `scripts/vitest-lanes.mjs`) the lane runner does this once after every lane ended.
 */
import { randomBytes } from 'node:crypto';
import { ServiceManager } from './harness/service-manager.js';
import { isServiceName } from './harness/service-types.js';
import { teardownOwnedByLaneRunner, teardownRun } from './run-teardown.js';

export default async function setup(): Promise<() => Promise<void>> {
  const runId =
    process.env.TRIBUTARY_E2E_RUN_ID || `run-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  process.env.TRIBUTARY_E2E_RUN_ID = runId;
  const manager = await ServiceManager.create({ runId });

  const eager = (process.env.TRIBUTARY_E2E_SERVICES ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = eager.filter((name) => !isServiceName(name));
  if (unknown.length > 0)
    throw new Error(`TRIBUTARY_E2E_SERVICES names unknown services: ${unknown.join(', ')}`);
  await Promise.all(eager.filter(isServiceName).map((name) => manager.ensure(name)));

  return async () => {
    // Lanes (several vitest processes sharing this run id): the lane runner cleans up after all.
    if (teardownOwnedByLaneRunner()) return;
    await teardownRun(manager, runId);
  };
}
