import type { Counter, GaugeReader, MetricKind, MetricLabels, RegisteredMetric } from './metric-types.js';

/** Descriptions of the standard (FLIP-33 and job) metric names, used by reporters as help text. */
export const METRIC_DESCRIPTIONS: Readonly<Record<string, string>> = {
  numRecordsIn: 'Records the source emitted (total).',
  numBytesIn: 'Bytes the source read from the external system (total).',
  numRecordsInErrors: 'Records the source could not read or deserialize (total).',
  currentFetchEventTimeLag: 'Milliseconds between a record event time and when it was fetched.',
  currentEmitEventTimeLag: 'Milliseconds between a record event time and when it was emitted.',
  watermarkLag: 'Milliseconds between now and the current watermark.',
  sourceIdleTime: 'Milliseconds since the source last emitted a record.',
  pendingRecords: 'Records available in the external system not yet fetched (lag).',
  pendingBytes: 'Bytes available in the external system not yet fetched.',
  unassignedSplits: 'Splits the enumerator discovered but did not assign yet.',
  numRecordsOut: 'Records the sink sent to the external system (same counter as numRecordsSend).',
  numRecordsSend: 'Records the sink sent to the external system.',
  numBytesOut: 'Bytes the sink sent (same counter as numBytesSend).',
  numBytesSend: 'Bytes the sink sent to the external system.',
  numRecordsOutErrors: 'Records the sink failed to send (same counter as numRecordsSendErrors).',
  numRecordsSendErrors: 'Records the sink failed to send.',
  currentSendTime: 'Milliseconds the last send request took.',
  accumulatedBackPressuredTimeMs:
    'Milliseconds the subtask waited for its sink to accept records (blocked in write), a block in progress included (total).',
  backPressuredTimeMsPerSecond: 'Milliseconds per second the subtask was blocked in its sink (0-1000).',
  asyncInFlight: 'Calls of a mapAsync stage in flight.',
  asyncQueueSize: 'Records in a mapAsync stage: calls in flight plus results waiting for their turn.',
  numAsyncTimeouts: 'Calls of a mapAsync stage that timed out (total).',
  numAsyncRetries: 'Calls of a mapAsync stage retried (total).',
  totalCommittables: 'Committables the committer received.',
  successfulCommittables: 'Committables committed successfully.',
  failedCommittables: 'Committables that failed permanently.',
  retriedCommittables: 'Commit retries.',
  alreadyCommittedCommittables: 'Committables found already committed (after a restore).',
  pendingCommittables: 'Committables waiting for their checkpoint to complete or for a retry.',
  numberOfCompletedCheckpoints: 'Checkpoints completed.',
  numberOfFailedCheckpoints: 'Checkpoints that failed or were aborted.',
  lastCheckpointDuration: 'Milliseconds the last completed checkpoint took.',
  lastCheckpointSize: 'Bytes the last completed checkpoint wrote.',
  lastCompletedCheckpointId: 'Id of the last completed checkpoint.',
  numRestarts: 'Times the job restarted after a failure.',
  eventLoopLagMs: 'Mean event-loop delay beyond the sampling interval over the last window (ms).',
  eventLoopLagP99Ms: '99th percentile event-loop delay over the last window (ms).',
  eventLoopLagMaxMs: 'Largest event-loop delay over the last window (ms).',
  heapUsedBytes: 'V8 heap in use (bytes).',
  heapTotalBytes: 'V8 heap reserved (bytes).',
  rssBytes: 'Resident set size of the process (bytes).',
};

interface Entry extends RegisteredMetric {
  lastCount?: number;
  lastTick?: number;
  lastRate?: number;
}

/**
 * Holds every metric of a job. Groups register into it; reporters (the `@tributary/metrics`
 * package) read `metrics()`. Rates are computed on `tick()`, which a reporter calls on its own
 * schedule, so the hot path never touches a clock.
 */
export class MetricRegistry {
  private readonly entries = new Map<string, Entry>();

  registerCounter(name: string, labels: MetricLabels, counter: Counter): Counter {
    this.add(name, 'counter', labels, () => counter.count);
    return counter;
  }

  /**
   * A counter whose total is computed when read (e.g. a timer that includes a block still in
   * progress); reporters and rates treat it like any counter.
   */
  registerCounterView(name: string, labels: MetricLabels, read: () => number): void {
    this.add(name, 'counter', labels, read);
  }

  registerGauge(name: string, labels: MetricLabels, read: GaugeReader): void {
    this.add(name, 'gauge', labels, read);
  }

  /** Removes every metric whose labels include all of `labels` (a closed reader or writer). */
  unregisterMatching(labels: MetricLabels): void {
    for (const [key, entry] of this.entries) {
      if (Object.entries(labels).every(([k, v]) => entry.labels[k] === v)) this.entries.delete(key);
    }
  }

  metrics(): RegisteredMetric[] {
    return [...this.entries.values()];
  }

  /** Finds one metric (tests, conformance checks). */
  find(name: string, labels: MetricLabels = {}): RegisteredMetric | undefined {
    for (const entry of this.entries.values()) {
      if (entry.name === name && Object.entries(labels).every(([k, v]) => entry.labels[k] === v))
        return entry;
    }
    return undefined;
  }

  /** Sums a metric over every label set that matches `labels`. */
  sum(name: string, labels: MetricLabels = {}): number {
    let total = 0;
    for (const entry of this.entries.values()) {
      if (entry.name === name && Object.entries(labels).every(([k, v]) => entry.labels[k] === v)) {
        total += entry.read() ?? 0;
      }
    }
    return total;
  }

  /** Samples counters to update per-second rates. */
  tick(nowMs: number = Date.now()): void {
    for (const entry of this.entries.values()) {
      if (entry.kind !== 'counter') continue;
      const count = entry.read() ?? 0;
      if (entry.lastTick !== undefined && entry.lastCount !== undefined && nowMs > entry.lastTick) {
        entry.lastRate = ((count - entry.lastCount) * 1000) / (nowMs - entry.lastTick);
      }
      entry.lastCount = count;
      entry.lastTick = nowMs;
    }
  }

  private add(name: string, kind: MetricKind, labels: MetricLabels, read: () => number | undefined): void {
    const key = `${name}{${Object.entries(labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}}`;
    const entry: Entry = {
      name,
      kind,
      labels,
      description: METRIC_DESCRIPTIONS[name] ?? name,
      read,
      rate: () => entry.lastRate,
    };
    this.entries.set(key, entry);
  }
}
