import { BackPressureTimer } from './back-pressure-timer.js';
import type { MetricRegistry } from './metric-registry.js';
import { Counter, type GaugeReader, type MetricLabels } from './metric-types.js';

/**
 * A scope of metrics with labels (`job`, `operator`, `subtask`, and connector labels such as
 * `topic`/`partition` added with {@link MetricGroup.addGroup}).
 */
export class MetricGroup {
  constructor(
    protected readonly registry: MetricRegistry,
    readonly labels: MetricLabels,
  ) {}

  /** A counter registered under `name` in this group (same name twice returns a new counter). */
  counter(name: string): Counter {
    return this.registry.registerCounter(name, this.labels, new Counter());
  }

  /** Registers a gauge read lazily by reporters. */
  gauge(name: string, read: GaugeReader): void {
    this.registry.registerGauge(name, this.labels, read);
  }

  /** A child group with one more label, e.g. `addGroup('partition', '3')`. */
  addGroup(key: string, value: string): MetricGroup {
    return new MetricGroup(this.registry, { ...this.labels, [key]: value });
  }

  /** Removes this group's metrics (and its children's) from the registry. */
  close(): void {
    this.registry.unregisterMatching(this.labels);
  }
}

/**
 * FLIP-33 source reader metrics. The runtime maintains `numRecordsIn`, the emit lag and idle time
 * for every source; connectors add `numBytesIn`, `numRecordsInErrors` and the pending gauges.
 */
export class SourceReaderMetricGroup extends MetricGroup {
  readonly numRecordsIn: Counter;
  readonly numBytesIn: Counter;
  readonly numRecordsInErrors: Counter;
  /** Event time of the last emitted record (ms), or undefined. Written by the runtime. */
  lastEmitEventTime: number | undefined;
  /** Wall time of the last emitted record (ms). */
  lastEmitTime: number = Date.now();
  /** Current watermark, or undefined when none was emitted. */
  currentWatermark: number | undefined;
  private fetchEventTimeLag: number | undefined;

  constructor(registry: MetricRegistry, labels: MetricLabels) {
    super(registry, labels);
    this.numRecordsIn = this.counter('numRecordsIn');
    this.numBytesIn = this.counter('numBytesIn');
    this.numRecordsInErrors = this.counter('numRecordsInErrors');
    this.gauge('currentEmitEventTimeLag', () =>
      this.lastEmitEventTime === undefined ? undefined : Math.max(0, Date.now() - this.lastEmitEventTime),
    );
    this.gauge('currentFetchEventTimeLag', () => this.fetchEventTimeLag);
    this.gauge('watermarkLag', () =>
      this.currentWatermark === undefined ? undefined : Math.max(0, Date.now() - this.currentWatermark),
    );
    this.gauge('sourceIdleTime', () => Math.max(0, Date.now() - this.lastEmitTime));
  }

  /** Records the fetch lag (fetch time minus event time) of the latest fetched record. */
  recordFetchEventTimeLag(lagMs: number): void {
    this.fetchEventTimeLag = lagMs;
  }

  /** Lag in records still in the external system (e.g. Kafka high watermark - position). */
  setPendingRecordsGauge(read: GaugeReader): void {
    this.gauge('pendingRecords', read);
  }

  setPendingBytesGauge(read: GaugeReader): void {
    this.gauge('pendingBytes', read);
  }
}

/** A counter that also counts into another (a breakdown series into its total). */
class ForwardingCounter extends Counter {
  constructor(private readonly total: Counter) {
    super();
  }

  override inc(n = 1): void {
    this.count += n;
    this.total.inc(n);
  }

  override dec(n = 1): void {
    this.count -= n;
    this.total.dec(n);
  }
}

/** Enumerator metrics. */
export class SplitEnumeratorMetricGroup extends MetricGroup {
  setUnassignedSplitsGauge(read: GaugeReader): void {
    this.gauge('unassignedSplits', read);
  }
}

/**
 * FLIP-33 sink writer metrics. The `*Out` and `*Send` names are the same counter (Flink keeps
 * both for compatibility; dashboards use either).
 */
export class SinkWriterMetricGroup extends MetricGroup {
  readonly numRecordsSend: Counter;
  readonly numBytesSend: Counter;
  readonly numRecordsSendErrors: Counter;
  /**
   * Time the subtask was blocked in this sink's `write()`: maintained by the runtime, published as
   * `accumulatedBackPressuredTimeMs` (counter) and `backPressuredTimeMsPerSecond` (gauge).
   */
  readonly backPressure = new BackPressureTimer();
  private sendTime: number | undefined;

  /** @param parent the group a breakdown group ({@link breakdown}) also counts into. */
  constructor(
    registry: MetricRegistry,
    labels: MetricLabels,
    private readonly parent?: SinkWriterMetricGroup,
  ) {
    super(registry, labels);
    const counter = (name: string, alias: string, parentCounter: Counter | undefined) => {
      const c = registry.registerCounter(
        name,
        labels,
        parentCounter ? new ForwardingCounter(parentCounter) : new Counter(),
      );
      registry.registerCounter(alias, labels, c);
      return c;
    };
    this.numRecordsSend = counter('numRecordsSend', 'numRecordsOut', parent?.numRecordsSend);
    this.numBytesSend = counter('numBytesSend', 'numBytesOut', parent?.numBytesSend);
    this.numRecordsSendErrors = counter(
      'numRecordsSendErrors',
      'numRecordsOutErrors',
      parent?.numRecordsSendErrors,
    );
    this.gauge('currentSendTime', () => this.sendTime);
    // Per subtask, not per route: a breakdown group shares its parent's subtask.
    if (parent === undefined) {
      registry.registerCounterView('accumulatedBackPressuredTimeMs', labels, () =>
        this.backPressure.totalMs(Date.now()),
      );
      this.gauge('backPressuredTimeMsPerSecond', () => this.backPressure.msPerSecond(Date.now()));
    }
  }

  /**
   * A writer group for one part of this sink, e.g. `breakdown('route', 'deadLetters')` for a
   * `RoutingSink` route: its series carry the extra label, and everything counted there also
   * counts in this group, so the subtask-level series stays the sink's total.
   */
  breakdown(key: string, value: string): SinkWriterMetricGroup {
    return new SinkWriterMetricGroup(this.registry, { ...this.labels, [key]: value }, this);
  }

  /** Alias of {@link numRecordsSend}. */
  get numRecordsOut(): Counter {
    return this.numRecordsSend;
  }
  get numBytesOut(): Counter {
    return this.numBytesSend;
  }
  get numRecordsOutErrors(): Counter {
    return this.numRecordsSendErrors;
  }

  /** Records how long the last send request took. */
  recordSendTime(ms: number): void {
    this.sendTime = ms;
    this.parent?.recordSendTime(ms);
  }
}

/** Committer metrics, maintained by the runtime's commit step. */
export class CommitterMetricGroup extends MetricGroup {
  readonly totalCommittables = this.counter('totalCommittables');
  readonly successfulCommittables = this.counter('successfulCommittables');
  readonly failedCommittables = this.counter('failedCommittables');
  readonly retriedCommittables = this.counter('retriedCommittables');
  readonly alreadyCommittedCommittables = this.counter('alreadyCommittedCommittables');
  pending = 0;

  constructor(registry: MetricRegistry, labels: MetricLabels) {
    super(registry, labels);
    this.gauge('pendingCommittables', () => this.pending);
  }
}

/** Job-level checkpoint and restart metrics. */
export class JobMetricGroup extends MetricGroup {
  readonly numberOfCompletedCheckpoints = this.counter('numberOfCompletedCheckpoints');
  readonly numberOfFailedCheckpoints = this.counter('numberOfFailedCheckpoints');
  readonly numRestarts = this.counter('numRestarts');
  lastCheckpointDurationMs: number | undefined;
  lastCheckpointSizeBytes: number | undefined;
  lastCompletedCheckpointId: number | undefined;

  constructor(registry: MetricRegistry, labels: MetricLabels) {
    super(registry, labels);
    this.gauge('lastCheckpointDuration', () => this.lastCheckpointDurationMs);
    this.gauge('lastCheckpointSize', () => this.lastCheckpointSizeBytes);
    this.gauge('lastCompletedCheckpointId', () => this.lastCompletedCheckpointId);
  }
}
