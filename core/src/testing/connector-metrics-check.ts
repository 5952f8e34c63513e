import { z } from 'zod';
import { defineOptions } from '../config/options.js';
import { TributaryError } from '../errors/tributary-error.js';
import type { MetricRegistry } from '../metrics/metric-registry.js';
import type { MetricLabels, RegisteredMetric } from '../metrics/metric-types.js';

/**
 * The error code of a failed check. The check lives in core (so the connector test kit needs no
 * reporter dependencies); `@tributary/metrics` re-exports it and lists the code as its own.
 */
const CONFORMANCE = 'TRIB_METRICS_CONFORMANCE';

/**
 * Options of {@link checkConnectorMetrics}. Called by the e2e contract suites after a connector
 * suite ran a bounded job over a known number of records.
 */
export const ConnectorMetricsCheckOptions = defineOptions(
  'metrics.check',
  z.strictObject({
    role: z.enum(['source', 'sink']).describe('Which side of the connector to check.'),
    expectedRecords: z
      .number()
      .int()
      .nonnegative()
      .describe('Records the job read (source) or wrote (sink), summed over all subtasks.'),
    labels: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        'Only series whose labels include these, e.g. `{ job, operator }` of the connector under test.',
      ),
    requirePending: z
      .boolean()
      .default(false)
      .describe(
        'Source: `pendingRecords` must report a value (set for systems that expose lag: Kafka, Pulsar, Kinesis).',
      ),
    requireEventTime: z
      .boolean()
      .default(false)
      .describe(
        'Source: `currentEmitEventTimeLag` must have a value (set when the test records carry event time).',
      ),
    expectedSendErrors: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Sink: exact `numRecordsSendErrors` total, when the test knows it (usually 0).'),
  }),
);

/** Input of {@link checkConnectorMetrics}. */
export type ConnectorMetricsCheckInput = z.input<typeof ConnectorMetricsCheckOptions.schema>;

/** One way a connector's metrics break the FLIP-33 conventions. */
export interface ConnectorMetricsProblem {
  /** The metric name concerned. */
  readonly metric: string;
  /** What is wrong and what the connector should do. */
  readonly message: string;
}

type Check = (name: string) => Series | undefined;

interface Series {
  /** Series whose labels are not a strict extension of another series' (no double counting). */
  readonly top: readonly RegisteredMetric[];
  readonly all: readonly RegisteredMetric[];
  /** Values read from `all`, in order; `undefined` = no value yet. */
  readonly values: readonly (number | undefined)[];
  /** Sum over `top`. */
  readonly total: number;
}

/**
 * Checks that a connector reports the standard FLIP-33 metrics with values that agree with what
 * the test saw. Returns every problem found (empty = conforms), so a connector author fixes them
 * all in one round.
 *
 * Source: `numRecordsIn` registered and its total equals `expectedRecords`; `numBytesIn`
 * registered and > 0 once records were read; `numRecordsInErrors` registered;
 * `currentEmitEventTimeLag` registered — its value may be undefined, because records without an
 * event time have no lag (pass `requireEventTime` when the test data has event times);
 * `sourceIdleTime` registered with a value; `pendingRecords` with a value when `requirePending`.
 *
 * Sink: `numRecordsSend` equals `expectedRecords`; `numBytesSend` > 0 once records were sent;
 * `numRecordsSendErrors` registered (and equal to `expectedSendErrors` when given);
 * `currentSendTime` registered (undefined is allowed for sinks without request round trips);
 * the FLIP-33 aliases `numRecordsOut`/`numBytesOut`/`numRecordsOutErrors` equal their `…Send` twin.
 *
 * Totals are summed over subtasks. A series whose labels extend another series of the same name
 * (e.g. a per-partition breakdown under a reader-level counter) is not added again.
 * Every value must be a finite, non-negative number.
 */
export function checkConnectorMetrics(
  registry: MetricRegistry,
  options: ConnectorMetricsCheckInput,
): ConnectorMetricsProblem[] {
  const opts = ConnectorMetricsCheckOptions.parse(options);
  const problems: ConnectorMetricsProblem[] = [];
  const problem = (metric: string, message: string) => problems.push({ metric, message });
  const where = Object.keys(opts.labels).length === 0 ? '' : ` for labels ${JSON.stringify(opts.labels)}`;
  const cache = new Map<string, Series | undefined>();
  const get: Check = (name) => {
    if (!cache.has(name)) cache.set(name, readSeries(registry, name, opts.labels, problem));
    return cache.get(name);
  };
  const required = (name: string, hint: string): Series | undefined => {
    const series = get(name);
    if (series === undefined) problem(name, `not registered${where}; ${hint}`);
    return series;
  };
  const expected = opts.expectedRecords;

  if (opts.role === 'source') {
    const records = required(
      'numRecordsIn',
      'use SourceReaderMetricGroup (the runtime counts emitted records)',
    );
    if (records && records.total !== expected) {
      problem(
        'numRecordsIn',
        `totals ${records.total} over ${records.top.length} series but ${expected} records were read`,
      );
    }
    const bytes = required('numBytesIn', 'count the bytes read from the external system in numBytesIn');
    if (bytes && expected > 0 && bytes.total <= 0) {
      problem(
        'numBytesIn',
        `stays 0 although ${expected} records were read; count the bytes of each fetched record`,
      );
    }
    required('numRecordsInErrors', 'use SourceReaderMetricGroup');
    const lag = required('currentEmitEventTimeLag', 'use SourceReaderMetricGroup');
    if (lag && opts.requireEventTime && expected > 0 && !lag.values.some((v) => v !== undefined)) {
      problem('currentEmitEventTimeLag', 'has no value although the records carry event time');
    }
    const idle = required('sourceIdleTime', 'use SourceReaderMetricGroup');
    if (idle?.values.some((v) => v === undefined))
      problem('sourceIdleTime', 'has no value; it must always report');
    // Optional gauges are not required, but when a connector reports them the values must be sane.
    for (const name of ['currentFetchEventTimeLag', 'watermarkLag', 'pendingBytes']) get(name);
    if (!opts.requirePending) get('pendingRecords');
    if (opts.requirePending) {
      const pending = required('pendingRecords', 'report the lag with setPendingRecordsGauge()');
      if (pending && !pending.values.some((v) => v !== undefined)) {
        problem(
          'pendingRecords',
          'has no value; report the records left in the external system (0 when caught up)',
        );
      }
    }
  } else {
    const sent = required('numRecordsSend', 'use SinkWriterMetricGroup and count the records sent');
    if (sent && sent.total !== expected) {
      problem(
        'numRecordsSend',
        `totals ${sent.total} over ${sent.top.length} series but ${expected} records were written`,
      );
    }
    const bytes = required('numBytesSend', 'count the bytes sent in numBytesSend');
    if (bytes && expected > 0 && bytes.total <= 0) {
      problem(
        'numBytesSend',
        `stays 0 although ${expected} records were written; count the bytes of each request`,
      );
    }
    const errors = required('numRecordsSendErrors', 'use SinkWriterMetricGroup');
    if (errors && opts.expectedSendErrors !== undefined && errors.total !== opts.expectedSendErrors) {
      problem(
        'numRecordsSendErrors',
        `totals ${errors.total} but ${opts.expectedSendErrors} send errors were expected`,
      );
    }
    required('currentSendTime', 'use SinkWriterMetricGroup and call recordSendTime() per request');
    for (const [alias, twin] of [
      ['numRecordsOut', 'numRecordsSend'],
      ['numBytesOut', 'numBytesSend'],
      ['numRecordsOutErrors', 'numRecordsSendErrors'],
    ] as const) {
      const a = get(alias);
      const b = get(twin);
      if (b === undefined) continue;
      if (a === undefined) problem(alias, `not registered${where}; it is the FLIP-33 alias of ${twin}`);
      else if (a.total !== b.total) {
        problem(alias, `totals ${a.total} but ${twin} totals ${b.total}; they must be the same counter`);
      }
    }
  }
  return problems;
}

/**
 * Like {@link checkConnectorMetrics}, but throws a `TRIB_METRICS_CONFORMANCE` error listing every
 * problem (context `problems`) when there is any.
 */
export function assertConnectorMetrics(registry: MetricRegistry, options: ConnectorMetricsCheckInput): void {
  const problems = checkConnectorMetrics(registry, options);
  if (problems.length === 0) return;
  const lines = problems.map((p) => `  - ${p.metric}: ${p.message}`).join('\n');
  throw new TributaryError(
    CONFORMANCE,
    `Connector ${options.role} metrics do not follow FLIP-33 (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines}`,
    { context: { role: options.role, labels: options.labels ?? {}, problems } },
  );
}

function readSeries(
  registry: MetricRegistry,
  name: string,
  labels: MetricLabels,
  problem: (metric: string, message: string) => void,
): Series | undefined {
  const all = registry
    .metrics()
    .filter((m) => m.name === name && Object.entries(labels).every(([k, v]) => m.labels[k] === v));
  if (all.length === 0) return undefined;
  const values = all.map((m) => {
    try {
      const value = m.read();
      if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
        problem(name, `reports ${value} for ${JSON.stringify(m.labels)}; values must be finite and >= 0`);
      }
      return value;
    } catch (error) {
      problem(name, `reading ${JSON.stringify(m.labels)} threw: ${(error as Error).message}`);
      return undefined;
    }
  });
  const top = all.filter((m) => !all.some((other) => other !== m && isStrictSubset(other.labels, m.labels)));
  let total = 0;
  all.forEach((m, i) => {
    if (top.includes(m)) total += values[i] ?? 0;
  });
  return { all, top, values, total };
}

function isStrictSubset(small: MetricLabels, big: MetricLabels): boolean {
  const keys = Object.keys(small);
  return keys.length < Object.keys(big).length && keys.every((k) => big[k] === small[k]);
}
