/**
 * `pnpm demo`: CSV orders → validated, typed orders in date-partitioned Parquet plus a dead-letter
 * file, exactly-once, resumable. See docs/demo.md.
 */
import { writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_DATASET } from './demo-dataset.js';
import { DemoFlagError, type DemoFlags, parseDemoFlags } from './demo-flags.js';
import { runDemo } from './demo-runner.js';

const { values } = parseArgs({
  options: {
    fresh: { type: 'boolean', default: false },
    dir: { type: 'string' },
    records: { type: 'string' },
    files: { type: 'string' },
    // All cores by default: one subtask per core, each in its own worker thread.
    parallelism: { type: 'string', default: String(Math.max(2, availableParallelism())) },
    workers: { type: 'string', default: 'auto' },
    'checkpoint-interval-ms': { type: 'string', default: '1000' },
    'metrics-port': { type: 'string' },
    'metrics-linger-ms': { type: 'string' },
    'job-name': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  // `pnpm demo -- --fresh` passes a literal `--` through.
  args: process.argv.slice(2).filter((a) => a !== '--'),
});

if (values.help) {
  process.stdout.write(
    [
      'Usage: pnpm demo [-- options]',
      '  --fresh                      delete output, dead letters and checkpoints first (input is kept)',
      '  --dir <path>                 workspace (default: .tributary/demo under the repo root)',
      '  --records <n> --files <n>    dataset size (default 300000 rows in 8 files)',
      '  --parallelism <n>            subtasks (default: the available cores, at least 2)',
      '  --workers <auto|n|processes:n> worker threads for the subtasks (default auto: one per core, capped by parallelism;',
      '                               1: all subtasks on the main event loop; processes:n: n child processes)',
      '  --checkpoint-interval-ms <n> (default 1000)',
      '  --metrics-port <n>           serve Prometheus metrics on http://127.0.0.1:<n>/metrics (0 = any free port)',
      '  --metrics-linger-ms <n>      keep serving the final metrics this long after the job (default 30000)',
      '  --job-name <name>            job name, the job_name label of the metrics (default orders-demo)',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

let flags: DemoFlags;
try {
  flags = parseDemoFlags(values);
} catch (error) {
  if (!(error instanceof DemoFlagError)) throw error;
  process.stderr.write(`pnpm demo: ${error.message} (see pnpm demo -- --help)\n`);
  process.exit(2);
}

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../..');
const dir = resolve(values.dir ?? resolve(repoRoot, '.tributary/demo'));

// Ctrl-C: leave at once. The checkpoints on disk are the recovery point; the next run resumes.
process.on('SIGINT', () => {
  writeSync(1, '\nInterrupted. Run `pnpm demo` again to resume from the last checkpoint.\n');
  process.exit(130);
});

const result = await runDemo({
  dir,
  dataset: {
    ...DEFAULT_DATASET,
    records: flags.records ?? DEFAULT_DATASET.records,
    files: flags.files ?? DEFAULT_DATASET.files,
  },
  parallelism: flags.parallelism,
  workers: flags.workers,
  checkpointIntervalMs: flags.checkpointIntervalMs,
  fresh: values.fresh,
  ...(flags.metricsPort === undefined ? {} : { metricsPort: flags.metricsPort }),
  ...(flags.metricsLingerMs === undefined ? {} : { metricsLingerMs: flags.metricsLingerMs }),
  ...(flags.jobName === undefined ? {} : { jobName: flags.jobName }),
});
process.exitCode = result.complete ? 0 : 1;
