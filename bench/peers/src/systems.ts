import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ChildJob } from './peer-run.js';

const run = promisify(execFile);
export const PEERS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_ROOT = join(PEERS_DIR, '..', '..');

export type Scenario = 'passthrough' | 'exactly-once' | 'json-avro' | 'csv-parquet';
export type SystemName = 'tributary' | 'flink' | 'raw-kafkajs';

/** One job of the matrix: a scenario at a parallelism, from `input` to `output`. */
export interface JobSpec {
  readonly brokers: string[];
  readonly input: string;
  readonly output: string;
  readonly scenario: Scenario;
  readonly parallelism: number;
  readonly records: number;
  readonly partitions: number;
  readonly bounded: boolean;
  readonly checkpointDir: string;
  /** Unique per run: consumer group and transactional-id prefix. */
  readonly runId: string;
}

/** JVM flags of the Flink peer: a 1 GiB heap (the MiniCluster's defaults fit in it). */
const FLINK_JVM = ['-Xmx1g', '-XX:+UseG1GC'];

/**
 * Compiles java/FlinkPeerJob.java against the resolved Flink class path once per source version
 * (a hash of the file names the classes directory) and returns the class path to run it with.
 */
export async function compileFlinkJob(java: string, lib: string): Promise<string> {
  const source = join(PEERS_DIR, 'java', 'FlinkPeerJob.java');
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const classes = join(lib, '..', `classes-${hash}`);
  if (!existsSync(join(classes, 'FlinkPeerJob.class'))) {
    mkdirSync(classes, { recursive: true });
    const javac = join(dirname(java), 'javac');
    await run(existsSync(javac) ? javac : 'javac', ['-d', classes, '-cp', `${lib}/*`, source]);
  }
  return `${classes}:${lib}/*`;
}

/** The child process that runs `spec` on `system`. */
export function childJob(
  system: SystemName,
  spec: JobSpec,
  tools: { readonly java: string; readonly flinkClassPath: string },
  timeoutMs: number,
): ChildJob {
  const common = { records: spec.records, output: spec.output, timeoutMs };
  switch (system) {
    case 'tributary':
      return {
        ...common,
        ...nodeScript('tributary-job.ts', {
          brokers: spec.brokers,
          input: spec.input,
          output: spec.output,
          scenario: spec.scenario,
          parallelism: spec.parallelism,
          bounded: spec.bounded,
          checkpointDir: spec.checkpointDir,
          txnPrefix: spec.runId,
        }),
      };
    case 'flink':
      return {
        ...common,
        command: tools.java,
        args: [
          ...FLINK_JVM,
          '-cp',
          tools.flinkClassPath,
          'FlinkPeerJob',
          `brokers=${spec.brokers.join(',')}`,
          `input=${spec.input}`,
          `output=${spec.output}`,
          `scenario=${spec.scenario}`,
          `parallelism=${spec.parallelism}`,
          `bounded=${spec.bounded}`,
          `checkpointDir=${spec.checkpointDir}`,
          `txnPrefix=${spec.runId}`,
        ],
        cwd: PEERS_DIR,
      };
    case 'raw-kafkajs':
      return {
        ...common,
        ...nodeScript('raw-kafkajs-job.ts', {
          brokers: spec.brokers,
          input: spec.input,
          output: spec.output,
          records: spec.records,
          partitions: spec.partitions,
          group: spec.runId,
        }),
      };
  }
}

/**
 * A job script of src/jobs run by Node on the built packages (no source condition; tsx only
 * compiles the script itself), its arguments as one JSON object.
 */
function nodeScript(script: string, args: object): Pick<ChildJob, 'command' | 'args' | 'cwd'> {
  return {
    command: process.execPath,
    args: ['--import', 'tsx', join(PEERS_DIR, 'src', 'jobs', script), JSON.stringify(args)],
    cwd: REPO_ROOT,
  };
}

/** The Tributary job runs the built packages: fail early, with the fix, when they are not built. */
export function assertPackagesBuilt(): void {
  const dist = join(REPO_ROOT, 'connectors', 'kafka', 'dist', 'index.js');
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`pnpm build\` first`);
}
