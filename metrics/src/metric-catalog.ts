import { METRIC_DESCRIPTIONS, type MetricKind } from '@tributary/core';

/** Which component reports a metric. */
export type MetricScope = 'source' | 'enumerator' | 'sink' | 'committer' | 'job' | 'process';

/** A standard metric: what it means, its unit and who reports it. */
export interface MetricSpec {
  readonly name: string;
  readonly scope: MetricScope;
  readonly kind: MetricKind;
  /** Human unit for docs (`records`, `bytes`, `ms` ...). */
  readonly unit: string;
  /** UCUM unit for OpenTelemetry (`{record}`, `By`, `ms`). */
  readonly otelUnit: string;
  readonly description: string;
  /** Set when the metric is the same counter as another name (FLIP-33 keeps both). */
  readonly aliasOf?: string;
  /** Who maintains it, for the docs. */
  readonly maintainedBy: string;
}

type SpecInput = Omit<MetricSpec, 'description'>;

const RECORDS = { unit: 'records', otelUnit: '{record}' } as const;
const BYTES = { unit: 'bytes', otelUnit: 'By' } as const;
const MS = { unit: 'ms', otelUnit: 'ms' } as const;
const COMMITTABLES = { unit: 'committables', otelUnit: '{committable}' } as const;
const CONNECTOR = 'connector';
const RUNTIME = 'runtime';

const SPECS: readonly SpecInput[] = [
  { name: 'numRecordsIn', scope: 'source', kind: 'counter', ...RECORDS, maintainedBy: RUNTIME },
  { name: 'numBytesIn', scope: 'source', kind: 'counter', ...BYTES, maintainedBy: CONNECTOR },
  { name: 'numRecordsInErrors', scope: 'source', kind: 'counter', ...RECORDS, maintainedBy: CONNECTOR },
  { name: 'currentFetchEventTimeLag', scope: 'source', kind: 'gauge', ...MS, maintainedBy: CONNECTOR },
  { name: 'currentEmitEventTimeLag', scope: 'source', kind: 'gauge', ...MS, maintainedBy: RUNTIME },
  { name: 'watermarkLag', scope: 'source', kind: 'gauge', ...MS, maintainedBy: RUNTIME },
  { name: 'sourceIdleTime', scope: 'source', kind: 'gauge', ...MS, maintainedBy: RUNTIME },
  { name: 'pendingRecords', scope: 'source', kind: 'gauge', ...RECORDS, maintainedBy: CONNECTOR },
  { name: 'pendingBytes', scope: 'source', kind: 'gauge', ...BYTES, maintainedBy: CONNECTOR },
  {
    name: 'unassignedSplits',
    scope: 'enumerator',
    kind: 'gauge',
    unit: 'splits',
    otelUnit: '{split}',
    maintainedBy: CONNECTOR,
  },
  { name: 'numRecordsSend', scope: 'sink', kind: 'counter', ...RECORDS, maintainedBy: CONNECTOR },
  {
    name: 'numRecordsOut',
    scope: 'sink',
    kind: 'counter',
    ...RECORDS,
    aliasOf: 'numRecordsSend',
    maintainedBy: CONNECTOR,
  },
  { name: 'numBytesSend', scope: 'sink', kind: 'counter', ...BYTES, maintainedBy: CONNECTOR },
  {
    name: 'numBytesOut',
    scope: 'sink',
    kind: 'counter',
    ...BYTES,
    aliasOf: 'numBytesSend',
    maintainedBy: CONNECTOR,
  },
  { name: 'numRecordsSendErrors', scope: 'sink', kind: 'counter', ...RECORDS, maintainedBy: CONNECTOR },
  {
    name: 'numRecordsOutErrors',
    scope: 'sink',
    kind: 'counter',
    ...RECORDS,
    aliasOf: 'numRecordsSendErrors',
    maintainedBy: CONNECTOR,
  },
  { name: 'currentSendTime', scope: 'sink', kind: 'gauge', ...MS, maintainedBy: CONNECTOR },
  { name: 'accumulatedBackPressuredTimeMs', scope: 'sink', kind: 'counter', ...MS, maintainedBy: RUNTIME },
  {
    name: 'backPressuredTimeMsPerSecond',
    scope: 'sink',
    kind: 'gauge',
    unit: 'ms per second',
    otelUnit: 'ms/s',
    maintainedBy: RUNTIME,
  },
  { name: 'totalCommittables', scope: 'committer', kind: 'counter', ...COMMITTABLES, maintainedBy: RUNTIME },
  {
    name: 'successfulCommittables',
    scope: 'committer',
    kind: 'counter',
    ...COMMITTABLES,
    maintainedBy: RUNTIME,
  },
  { name: 'failedCommittables', scope: 'committer', kind: 'counter', ...COMMITTABLES, maintainedBy: RUNTIME },
  {
    name: 'retriedCommittables',
    scope: 'committer',
    kind: 'counter',
    ...COMMITTABLES,
    maintainedBy: RUNTIME,
  },
  {
    name: 'alreadyCommittedCommittables',
    scope: 'committer',
    kind: 'counter',
    ...COMMITTABLES,
    maintainedBy: RUNTIME,
  },
  { name: 'pendingCommittables', scope: 'committer', kind: 'gauge', ...COMMITTABLES, maintainedBy: RUNTIME },
  {
    name: 'numberOfCompletedCheckpoints',
    scope: 'job',
    kind: 'counter',
    unit: 'checkpoints',
    otelUnit: '{checkpoint}',
    maintainedBy: RUNTIME,
  },
  {
    name: 'numberOfFailedCheckpoints',
    scope: 'job',
    kind: 'counter',
    unit: 'checkpoints',
    otelUnit: '{checkpoint}',
    maintainedBy: RUNTIME,
  },
  { name: 'lastCheckpointDuration', scope: 'job', kind: 'gauge', ...MS, maintainedBy: RUNTIME },
  { name: 'lastCheckpointSize', scope: 'job', kind: 'gauge', ...BYTES, maintainedBy: RUNTIME },
  {
    name: 'lastCompletedCheckpointId',
    scope: 'job',
    kind: 'gauge',
    unit: 'id',
    otelUnit: '1',
    maintainedBy: RUNTIME,
  },
  {
    name: 'numRestarts',
    scope: 'job',
    kind: 'counter',
    unit: 'restarts',
    otelUnit: '{restart}',
    maintainedBy: RUNTIME,
  },
  { name: 'eventLoopLagMs', scope: 'process', kind: 'gauge', ...MS, maintainedBy: 'ProcessMetricGroup' },
  { name: 'eventLoopLagP99Ms', scope: 'process', kind: 'gauge', ...MS, maintainedBy: 'ProcessMetricGroup' },
  { name: 'eventLoopLagMaxMs', scope: 'process', kind: 'gauge', ...MS, maintainedBy: 'ProcessMetricGroup' },
  { name: 'heapUsedBytes', scope: 'process', kind: 'gauge', ...BYTES, maintainedBy: 'ProcessMetricGroup' },
  { name: 'heapTotalBytes', scope: 'process', kind: 'gauge', ...BYTES, maintainedBy: 'ProcessMetricGroup' },
  { name: 'rssBytes', scope: 'process', kind: 'gauge', ...BYTES, maintainedBy: 'ProcessMetricGroup' },
];

/**
 * Every standard metric Tributary reports (FLIP-33 names plus job and process metrics), in docs
 * order. Descriptions come from core's `METRIC_DESCRIPTIONS`, so help texts and docs never drift.
 * Connectors may register more metrics; reporters export those too, with the name as help text.
 */
export const METRIC_CATALOG: readonly MetricSpec[] = SPECS.map((spec) => ({
  ...spec,
  description: METRIC_DESCRIPTIONS[spec.name] ?? spec.name,
}));

const BY_NAME = new Map(METRIC_CATALOG.map((spec) => [spec.name, spec]));

/** The catalog entry of a standard metric, or undefined for a connector-specific one. */
export function metricSpec(name: string): MetricSpec | undefined {
  return BY_NAME.get(name);
}
