import { fileURLToPath } from 'node:url';
import {
  DataGeneratorSource,
  type Job,
  type JobOptionsInput,
  Pipeline,
  TwoPhaseCommitTestSink,
} from '@tributary/core';
import type {
  ContractGuarantee,
  SinkContractContext,
  SinkContractRecord,
  SinkTestSetup,
  SourceContractContext,
  SourceTestSetup,
} from './contract-context.js';
import { throttledSink } from './throttled-sink.js';
import { importAuthorModule } from './typescript-loader.js';

/** Operator names of the connector under test: the metrics check filters by them. */
export const SOURCE_UNDER_TEST = 'source-under-test';
export const SINK_UNDER_TEST = 'sink-under-test';

/**
 * A record as the source suite stores it: the source's value plus when it passed the map
 * operator. `(at, n)` orders records by emission across subtasks and across restarted processes
 * (a restart takes far longer than a millisecond), which is what per-split order is checked on.
 */
export interface StampedRecord<T> {
  readonly v: T;
  readonly at: number;
  readonly n: number;
}

let stampCounter = 0;

/** Where a context module lives: a `file:` URL (`new URL('./ctx.ts', import.meta.url)`) or a path. */
export type ContextModule = URL | string;

/** Imports a context module and returns its `exportName` export, checked for the expected methods. */
export async function loadContext<C>(
  module: ContextModule,
  exportName: string,
  methods: readonly string[],
): Promise<C> {
  const path = module instanceof URL ? fileURLToPath(module) : module;
  const loaded = await importAuthorModule(path);
  const context = loaded[exportName] as Record<string, unknown> | undefined;
  const missing = methods.filter((m) => typeof context?.[m] !== 'function');
  if (context === undefined || missing.length > 0) {
    throw new Error(
      `${path}: export '${exportName}' is not a contract context (missing ${missing.join(', ') || 'the export'})`,
    );
  }
  return context as C;
}

/** Parameters of one source-suite job run (serializable: the crash child gets them as JSON). */
export interface SourceJobSpec {
  readonly setup: SourceTestSetup;
  readonly guarantee: ContractGuarantee;
  /** Directory of the two-phase-commit store the job writes to. */
  readonly storeDir: string;
  /** Whole-job rate limit applied through backpressure; unset = full speed. */
  readonly recordsPerSecond?: number | undefined;
}

/**
 * The source suite's job: source under test → stamp → exactly-once file store. The store is
 * transactional, so what it holds is exactly what completed checkpoints covered and the suite
 * sees the source's own guarantee.
 */
export function sourceContractJob<T>(context: SourceContractContext<T>, spec: SourceJobSpec): Job {
  const store = new TwoPhaseCommitTestSink<StampedRecord<T>>({
    directory: spec.storeDir,
    deliveryGuarantee: 'exactly-once',
  });
  return Pipeline.from(context.createSource(spec.setup), { name: SOURCE_UNDER_TEST })
    .map((v): StampedRecord<T> => ({ v, at: Date.now(), n: stampCounter++ }), 'stamp')
    .sinkTo(spec.recordsPerSecond === undefined ? store : throttledSink(store, spec.recordsPerSecond), {
      name: 'contract-store',
    });
}

/** Parameters of one sink-suite job run. */
export interface SinkJobSpec {
  readonly setup: SinkTestSetup;
  readonly splits: number;
  readonly recordsPerSplit: number;
  readonly recordsPerSecond?: number | undefined;
}

/** The record with global index `index` of a sink test (splits are contiguous index ranges). */
export function sinkContractRecord(index: number, recordsPerSplit: number): SinkContractRecord {
  const split = Math.floor(index / recordsPerSplit);
  const seq = index % recordsPerSplit;
  return { id: index, split, seq, payload: `record-${split}-${seq}` };
}

/** The sink suite's job: data generator (deterministic, checkpointed) → sink under test. */
export function sinkContractJob(context: SinkContractContext, spec: SinkJobSpec): Job {
  const source = new DataGeneratorSource<SinkContractRecord>({
    generator: (index) => sinkContractRecord(index, spec.recordsPerSplit),
    count: spec.splits * spec.recordsPerSplit,
    numSplits: spec.splits,
    ...(spec.recordsPerSecond === undefined ? {} : { recordsPerSecond: spec.recordsPerSecond }),
    maxRecordsPerPoll: 100,
  });
  return Pipeline.from(source, { name: 'contract-generator' }).sinkTo(context.createSink(spec.setup), {
    name: SINK_UNDER_TEST,
  });
}

/** Job options shared by the suites: fast checkpoints (the guarantee is the connector's option). */
export function contractJobOptions(
  _guarantee: ContractGuarantee,
  parallelism: number,
  checkpointDir: string,
  extra: Partial<JobOptionsInput> = {},
): JobOptionsInput {
  return {
    jobName: 'contract',
    parallelism,
    checkpointing: { intervalMs: 100, directory: checkpointDir },
    ...extra,
  };
}
