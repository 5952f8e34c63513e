import type { ContractBoundedness, SourceContractContext, SourceTestSetup } from './contract-context.js';
import type { ContextModule, StampedRecord } from './contract-jobs.js';
import type { CrashTestOptions } from './contract-suite-support.js';

/** One prepared source test: its setup, the data written before the job, its directories. */
export interface PreparedSourceTest {
  readonly setup: SourceTestSetup;
  /** Per split, in read order. */
  readonly expected: readonly (readonly unknown[])[];
  /** The suite's exactly-once store the job writes to. */
  readonly storeDir: string;
  readonly checkpoints: string;
}

/**
 * What the cases of one `describeSourceContract` call share: the loaded context, test
 * preparation (cleaned up after each test) and the resolved options. Lets the bounded and the
 * unbounded cases live in separate modules.
 */
export interface SourceSuiteRun {
  readonly exportName: string;
  readonly contextModule: ContextModule;
  /** The context (loaded when the suite is collected). */
  context(): SourceContractContext<unknown>;
  /** Writes a test's initial data (round 0) and creates its directories. */
  prepare(
    label: string,
    splits: number,
    recordsPerSplit: number,
    boundedness?: ContractBoundedness,
  ): Promise<PreparedSourceTest>;
  /** What the store holds committed. */
  delivered(storeDir: string): Promise<StampedRecord<unknown>[]>;
  keyOf(record: unknown): string;
  /** A fresh directory removed after the test. */
  tempDir(label: string): Promise<string>;
  readonly recordsPerSplit: number;
  readonly recordsPerSecond: number;
  readonly crash: Required<CrashTestOptions> | false;
  readonly unboundedCrashKills: number;
}
