/**
 * `@tributary/e2e/contract` — the connector contract suites (after Flink's connector testing
 * framework). A connector author exports a small context from a module and calls one
 * `describe…Contract` per side. Kept apart from the package root because it imports vitest.
 */

export {
  type AppendRound,
  type ContractBoundedness,
  type ContractGuarantee,
  type ContractMetricsOptions,
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
