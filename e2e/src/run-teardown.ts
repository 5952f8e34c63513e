/**
 * End-of-run cleanup of one e2e run id, shared by vitest's global setup and the lane runner
 * (`scripts/vitest-lanes.mjs`), which runs several vitest processes under one run id and cleans
 * up once after the last of them, so no lane stops what another lane still uses.
 */
import { pathToFileURL } from 'node:url';
import { ServiceManager } from './harness/service-manager.js';
import { SERVICE_NAMES } from './harness/service-types.js';

/** Who tears a run down: vitest's global setup (default), or the process that started the lanes. */
export function teardownOwnedByLaneRunner(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TRIBUTARY_E2E_TEARDOWN === 'runner';
}

/**
 * Stops the private database instances the run left open (a failed test) and, under `CI=true`
 * or `TRIBUTARY_E2E_STOP=1`, the services the run started.
 */
export async function teardownRun(manager: ServiceManager, runId: string): Promise<void> {
  const leftovers = await manager.stopPrivateInstances({ runId });
  if (leftovers.length > 0)
    console.warn(`[services] stopped private instances left open: ${leftovers.join(', ')}`);
  if (process.env.CI !== 'true' && process.env.TRIBUTARY_E2E_STOP !== '1') return;
  const stopped = await manager.stopRun(runId, SERVICE_NAMES);
  if (stopped.length > 0) console.warn(`[services] stopped after the run: ${stopped.join(', ')}`);
}

// `tsx e2e/src/run-teardown.ts <runId>`: the lane runner's cleanup.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runId = process.argv[2];
  if (!runId) {
    console.error('usage: run-teardown.ts <runId>');
    process.exit(2);
  }
  await teardownRun(await ServiceManager.create({ runId }), runId);
}
