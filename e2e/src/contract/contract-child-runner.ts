/**
 * The generic crash-test job of the contract suites, run in a child process (and killed with
 * SIGKILL by `runWithCrashes`). It imports the connector author's context module, rebuilds the
 * suite's job from the serializable spec and runs it with the shared checkpoint directory, so
 * every restart resumes from the latest complete checkpoint.
 *
 * Usage: contract-child-runner.ts '<ChildRunSpec as JSON>'
 */
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
const result = await job.execute(contractJobOptions(spec.guarantee, spec.parallelism, spec.checkpointDir));
process.stdout.write(`finished ${result.status} restored=${result.restoredFromCheckpointId ?? 'none'}\n`);
