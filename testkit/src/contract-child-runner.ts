/**
 * The generic crash-test job of the contract suites, run in a child process (and killed with
 * SIGKILL by `runWithCrashes`). It imports the connector author's context module, rebuilds the
 * suite's job from the serializable spec and runs it with the shared checkpoint directory, so
 * every restart resumes from the latest complete checkpoint. An unbounded job never ends by
 * itself: given a `stopFile`, the child stops it with a savepoint once that file exists.
 *
 * Usage: contract-child-runner.ts '<ChildRunSpec as JSON>'
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '@tributary/core';
import type { ContractGuarantee, SinkContractContext, SourceContractContext } from './contract-context.js';
import {
  contractJobOptions,
  loadContext,
  type SinkJobSpec,
  type SourceJobSpec,
  sinkContractJob,
  sourceContractJob,
} from './contract-jobs.js';

/** What the suite tells the child: which context, which job, where its checkpoints live. */
export type ChildRunSpec = {
  readonly contextModule: string;
  readonly exportName: string;
  readonly guarantee: ContractGuarantee;
  readonly parallelism: number;
  readonly checkpointDir: string;
  /**
   * Unbounded source jobs: the job runs until this file exists, then stops with a savepoint and
   * the child exits 0. Ending before that is a failure (exit 3).
   */
  readonly stopFile?: string;
} & (
  | { readonly kind: 'source'; readonly job: SourceJobSpec }
  | { readonly kind: 'sink'; readonly job: SinkJobSpec }
);

const [raw] = process.argv.slice(2);
if (raw === undefined) {
  process.stderr.write("usage: contract-child-runner.ts '<spec json>'\n");
  process.exit(2);
}
const spec = JSON.parse(raw) as ChildRunSpec;
const job =
  spec.kind === 'source'
    ? sourceContractJob(
        await loadContext<SourceContractContext<unknown>>(spec.contextModule, spec.exportName, [
          'writeTestData',
          'createSource',
        ]),
        spec.job,
      )
    : sinkContractJob(
        await loadContext<SinkContractContext>(spec.contextModule, spec.exportName, [
          'createSink',
          'readBack',
        ]),
        spec.job,
      );
const options = contractJobOptions(spec.guarantee, spec.parallelism, spec.checkpointDir);
if (spec.stopFile === undefined) {
  const result = await job.execute(options);
  process.stdout.write(`finished ${result.status} restored=${result.restoredFromCheckpointId ?? 'none'}\n`);
} else {
  const stopFile = spec.stopFile;
  const client = job.start(options);
  let ended = false;
  void client.result.then(
    () => {
      ended = true;
    },
    () => {
      ended = true;
    },
  );
  while (!existsSync(stopFile)) {
    if (ended) {
      // An unbounded job must not end on its own; a failure rejects with its cause.
      const result = await client.result;
      process.stderr.write(`unbounded job ended by itself with status ${result.status}\n`);
      process.exit(3);
    }
    await sleep(50);
  }
  await client.stopWithSavepoint({ directory: join(spec.checkpointDir, 'final-savepoint') });
  const result = await client.result;
  process.stdout.write(`finished ${result.status} restored=${result.restoredFromCheckpointId ?? 'none'}\n`);
}
