/**
 * The Tributary side of the peer benchmarks, run as its own process (like the Flink job) so its
 * CPU time and memory are measured alone: loads tributary-job-module.ts with the job's arguments
 * and runs it with 1 s checkpoints. Prints `PEER_RESULT {json}` when a bounded job ends.
 * Runs on the packages' built code (no `@tributary/source` condition), as a user's job would.
 *
 * Args: one JSON object (see {@link JobArgs}).
 */
import { loadJob, silentLogger } from '@tributary/core';
import { processStats } from '../process-stats.js';
import type { JobArgs } from './tributary-job-module.js';

const args = JSON.parse(process.argv[2] ?? '') as JobArgs;
const job = await loadJob(new URL('./tributary-job-module.ts', import.meta.url), args);
// The job's runtime from execute() to its end (process start-up excluded), as Flink's net runtime.
const started = performance.now();
await job.execute(
  { parallelism: args.parallelism, checkpointing: { intervalMs: 1000, directory: args.checkpointDir } },
  { logger: silentLogger },
);
const runtimeMs = Math.round(performance.now() - started);
process.stdout.write(`PEER_RESULT ${JSON.stringify({ ...processStats(), runtimeMs })}\n`);
