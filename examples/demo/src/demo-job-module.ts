/**
 * The demo job as a job module: every worker thread imports it and builds the same pipeline
 * from the (plain) paths, see docs/concepts.md ("Parallelism and workers").
 */
import { defineJob } from '@tributary/core';
import { buildDemoJob, type DemoJobParams } from './demo-job.js';

export default defineJob((params: DemoJobParams) => buildDemoJob(params.paths));
