import type { AnySource, DeliveryGuarantee, Sink } from '@tributary/core';

/** A delivery guarantee a connector can claim in the contract suites. */
export type ContractGuarantee = Extract<DeliveryGuarantee, 'exactly-once' | 'at-least-once'>;

/**
 * How the source suite reads: `'bounded'` — a job that ends by itself once the test data is
 * read; `'unbounded'` — a job that never ends, reads data written while it runs, and is stopped
 * by the suite (stop-with-savepoint).
 */
export type ContractBoundedness = 'bounded' | 'unbounded';

/**
 * What one source test asks of the connector: plain, serializable data, so a child process
 * (the crash test) rebuilds the very same source from it.
 */
export interface SourceTestSetup {
  /** Unique per test: derive topic/table/directory names from it. */
  readonly testId: string;
  /** A fresh, empty directory owned by this test (for connectors over local files). */
  readonly workDir: string;
  /** Splits (partitions, shards, files) the test data must be spread over. */
  readonly splits: number;
  /** Records written into each split (per round, in unbounded tests). */
  readonly recordsPerSplit: number;
  /**
   * The mode of this test; `createSource` builds the source for it (`'unbounded'`: no stopping
   * position). Absent means `'bounded'` (setups built before the unbounded mode existed).
   */
  readonly boundedness?: ContractBoundedness;
}

/** Which round of extra data {@link SourceContractContext.appendTestData} writes. */
export interface AppendRound {
  /** 1, 2, 3, … (`writeTestData` was round 0); derive unique names (files, keys) from it. */
  readonly round: number;
  /** Split indices in use so far: splits this round creates (new files) start at this index. */
  readonly knownSplits: number;
}

/** Order a source keeps within a split (see {@link SourceContractContext.ordering}). */
export type ContractOrdering = 'per-split' | 'none';

/**
 * The connector author's side of {@link describeSourceContract}. Export it (usually as the
 * default export, built with {@link defineSourceContext}) from a module, so that the crash test's
 * child process can import it too.
 *
 * By default the suite reads the source as a bounded job: a connector that is unbounded by default
 * creates it with a stopping position here (Flink's framework does the same). A connector that
 * can also run unbounded declares it in `boundedness` and implements `appendTestData`.
 */
export interface SourceContractContext<T> {
  /**
   * The modes the connector supports; the suite runs its cases once per mode (and guarantee).
   * Default `['bounded']`. `'unbounded'` requires {@link SourceContractContext.appendTestData}.
   */
  readonly boundedness?: readonly ContractBoundedness[];
  /**
   * Writes `splits × recordsPerSplit` records into the external system for one test and returns
   * them per split, in the order the split must be read. Records must be JSON values, unique
   * across the test (see `keyOf`).
   */
  writeTestData(setup: SourceTestSetup): Promise<readonly (readonly T[])[]>;
  /**
   * The source over that test's data, for `setup.boundedness`: bounded (ends after the data
   * written before it started) or unbounded (never ends; reads what `appendTestData` adds while
   * it runs). Called in the test process and in crash children.
   */
  createSource(setup: SourceTestSetup): AnySource<T>;
  /**
   * Unbounded mode only: writes more test data while the job runs (or while it is stopped), and
   * returns it per split, like `writeTestData`: element `i` continues split `i` (records appended
   * to a partition) and must be read after what split `i` held before; indices from
   * `round.knownSplits` on are new splits (new files). Empty elements are splits that got
   * nothing. Writes must become visible atomically per record (a reader never sees half a file
   * or half a record). Records must be unique across all rounds of the test.
   */
  appendTestData?(setup: SourceTestSetup, round: AppendRound): Promise<readonly (readonly T[])[]>;
  /** Identity of a record (default `JSON.stringify`); equal keys mean the same record. */
  keyOf?(record: T): string;
  /**
   * The order the source keeps within a split: `'per-split'` (default; checked under
   * `exactly-once`) or `'none'` for sources that deliver every record once in no set order
   * (e.g. a Pulsar Shared subscription: messages redelivered after a restore come after newer ones).
   */
  readonly ordering?: ContractOrdering;
  /** Drops what `writeTestData` created (topics, tables); files under `workDir` are removed anyway. */
  cleanup?(setup: SourceTestSetup): Promise<void>;
  /** Options for the metrics conformance check (see `checkConnectorMetrics` in `@tributary/core/testing`). */
  readonly metrics?: ContractMetricsOptions;
}

/** The record the sink suite writes: `id` is unique, `split` and `seq` give per-split order. */
export interface SinkContractRecord {
  readonly id: number;
  readonly split: number;
  readonly seq: number;
  readonly payload: string;
}

/** What one sink test asks of the connector (serializable, like {@link SourceTestSetup}). */
export interface SinkTestSetup {
  readonly testId: string;
  readonly workDir: string;
  /** The guarantee the sink must be configured for. */
  readonly guarantee: ContractGuarantee;
}

/** The connector author's side of {@link describeSinkContract}; exported from a module. */
export interface SinkContractContext {
  /** Creates the target (topic, table, index) of one test; optional. */
  prepare?(setup: SinkTestSetup): Promise<void>;
  /** The sink under test, configured for `setup.guarantee`. Called in the test and in crash children. */
  createSink(setup: SinkTestSetup): Sink<SinkContractRecord>;
  /**
   * Every record the external system holds for this test. For `exactly-once`, read with the
   * system's committed isolation (read_committed, committed files only) — never uncommitted data.
   */
  readBack(setup: SinkTestSetup): Promise<readonly SinkContractRecord[]>;
  /** Drops what the test created. */
  cleanup?(setup: SinkTestSetup): Promise<void>;
  /** Options for the metrics conformance check. */
  readonly metrics?: ContractMetricsOptions;
}

/** Connector-specific expectations of the metrics conformance check. */
export interface ContractMetricsOptions {
  /** Source: `pendingRecords` must report (systems that expose lag: Kafka, Pulsar, Kinesis). */
  readonly requirePending?: boolean;
  /** Source: `currentEmitEventTimeLag` must have a value (the test records carry event time). */
  readonly requireEventTime?: boolean;
  /**
   * The connector reads from / writes to memory, not an external system, so there are no bytes
   * to count: `numBytesIn` / `numBytesSend` must still be registered but may stay 0. Only for
   * in-memory built-ins (data generator, collection); a real connector counts its bytes.
   */
  readonly inMemory?: boolean;
}

/** Types a source context at its definition (the suite imports it by module path, untyped). */
export function defineSourceContext<T>(context: SourceContractContext<T>): SourceContractContext<T> {
  return context;
}

/** Types a sink context at its definition. */
export function defineSinkContext(context: SinkContractContext): SinkContractContext {
  return context;
}
