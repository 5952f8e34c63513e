/**
 * Global setup of the vitest `e2e` project (see the root vitest.config.ts).
 *
 * - Gives the run an id (`TRIBUTARY_E2E_RUN_ID`, inherited by the workers) that the harness
 *   records on every service it starts.
 * - `TRIBUTARY_E2E_SERVICES=kafka,postgres` starts those up front, in parallel, so the first test
 *   file does not pay for them one after another. Without it, services start on first
 *   `useService()`.
 * - Teardown: private database instances of this run that a test left open are stopped. Under `CI=true` (or `TRIBUTARY_E2E_STOP=1`) it stops the services this run started,
 *   so CI leaves no process behind. Locally they stay up and the next run reuses them in
 *   milliseconds; `pnpm services down` stops them.
 */
import { randomBytes } from 'node:crypto';
import { ServiceManager } from './harness/service-manager.js';
import { isServiceName, SERVICE_NAMES } from './harness/service-types.js';

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
    // Private instances belong to one test; any still recorded was not closed (a failed test).
    const leftovers = await manager.stopPrivateInstances({ runId });
    if (leftovers.length > 0)
      console.warn(`[services] stopped private instances left open: ${leftovers.join(', ')}`);
    if (process.env.CI !== 'true' && process.env.TRIBUTARY_E2E_STOP !== '1') return;
    const stopped = await manager.stopRun(runId, SERVICE_NAMES);
    if (stopped.length > 0) console.warn(`[services] stopped after the run: ${stopped.join(', ')}`);
  };
}
