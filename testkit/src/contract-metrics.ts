import type { MetricLabels, MetricRegistry } from '@tributary/core';
import { assertConnectorMetrics, checkConnectorMetrics } from '@tributary/core/testing';
import type { ContractMetricsOptions } from './contract-context.js';

/** Input of {@link checkContractMetrics}. */
export interface ContractMetricsCheck {
  readonly role: 'source' | 'sink';
  /** Records the job read (source) or wrote (sink). */
  readonly expectedRecords: number;
  /** Labels of the operator under test (`{ operator }`), so the other end of the job is ignored. */
  readonly labels: MetricLabels;
  readonly options?: ContractMetricsOptions | undefined;
}

/**
 * The metrics step of the contract suites: the FLIP-33 conformance check (`checkConnectorMetrics` of `@tributary/core/testing`, re-exported by `@tributary/metrics`)
 * (`numRecordsIn` / `numRecordsSend` equal the record count, bytes counted, error counters and
 * gauges registered, sink aliases equal). Throws `TRIB_METRICS_CONFORMANCE` listing every problem.
 *
 * `inMemory` connectors are excused only the "bytes stay 0" finding: there is no external system
 * whose bytes they could count, and a made-up byte count would make the metric lie.
 */
export function checkContractMetrics(registry: MetricRegistry, check: ContractMetricsCheck): void {
  const input = {
    role: check.role,
    expectedRecords: check.expectedRecords,
    labels: { ...check.labels },
    requirePending: check.options?.requirePending ?? false,
    requireEventTime: check.options?.requireEventTime ?? false,
    ...(check.role === 'sink' ? { expectedSendErrors: 0 } : {}),
  };
  if (check.options?.inMemory !== true) {
    assertConnectorMetrics(registry, input);
    return;
  }
  const bytesMetric = check.role === 'source' ? 'numBytesIn' : 'numBytesSend';
  const remaining = checkConnectorMetrics(registry, input).filter(
    (p) => !(p.metric === bytesMetric && p.message.startsWith('stays 0')),
  );
  if (remaining.length === 0) return;
  // Re-run through the assertion so the error is the standard one; it lists every problem,
  // including the excused one, which is fine for a failure message.
  assertConnectorMetrics(registry, input);
}
