/**
 * `@tributary/connector-testkit` — what a connector author tests with: the contract suites (after
 * Flink's connector testing framework; a small context module per connector and one
 * `describe…Contract` call per side) and the crash harness (`runWithCrashes`: seeded SIGKILLs of a
 * child job, restores proven through the runtime's phase markers). Depends on core and on
 * tsx to load the author's TypeScript; no service clients, no metric reporters.
 */

export {
  type ChildJobSpec,
  type CrashLoopOptions,
  type CrashLoopResult,
  type CrashRun,
  crashSeed,
  type RunningChildJob,
  runWithCrashes,
  seededRandom,
  startChildJob,
} from './child-job.js';
export {
  type AppendRound,
  type ContractBoundedness,
  type ContractGuarantee,
  type ContractMetricsOptions,
  type ContractOrdering,
  defineSinkContext,
  defineSourceContext,
  type SinkContractContext,
  type SinkContractRecord,
  type SinkTestSetup,
  type SourceContractContext,
  type SourceTestSetup,
} from './contract-context.js';
export type { ContextModule, StampedRecord } from './contract-jobs.js';
export { type ContractMetricsCheck, checkContractMetrics } from './contract-metrics.js';
export type { ContractSuiteOptions, CrashTestOptions } from './contract-suite-support.js';
export { verifySinkOutput, verifySourceOutput } from './contract-verification.js';
export { describeSinkContract, type SinkContractOptions } from './sink-contract-suite.js';
export { describeSourceContract, type SourceContractOptions } from './source-contract-suite.js';
