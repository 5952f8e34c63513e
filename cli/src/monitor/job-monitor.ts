import type { JobClient, JobStatus, RegisteredMetric } from '@tributary/core';

/** The pipeline as drawn: source → operators → sink, with the parallelism. */
export interface PipelineShape {
  readonly source: { readonly name: string; readonly connector: string };
  readonly operators: readonly string[];
  readonly sink: { readonly name: string; readonly connector: string };
  readonly parallelism: number;
}

/** One subtask's numbers (records/s over the last sample interval). */
export interface SubtaskView {
  readonly subtask: number;
  readonly recordsIn: number;
  readonly recordsInPerSecond: number;
  readonly recordsOut: number;
  readonly recordsOutPerSecond: number;
  /** The sink's last send request time in ms (connectors that report `currentSendTime`). */
  readonly sendTimeMs: number | undefined;
  /**
   * Backpressure: ms per second the subtask was blocked in the sink's write (0-1000, from the
   * runtime's `accumulatedBackPressuredTimeMs`, like Flink's `backPressuredTimeMsPerSecond`).
   */
  readonly backPressuredMsPerSecond: number;
  /** Total ms the subtask was blocked in the sink's write. */
  readonly backPressuredMs: number;
  readonly watermarkLagMs: number | undefined;
  readonly pendingRecords: number | undefined;
}

export interface CheckpointView {
  readonly id: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly status: 'completed' | 'failed';
  readonly at: number;
  readonly durationMs?: number;
  readonly sizeBytes?: number;
  readonly location?: string;
  readonly error?: string;
}

export interface ErrorView {
  readonly at: number;
  readonly message: string;
}

/** What progress lines and the dashboard show, sampled from the job's metrics and events. */
export interface JobSnapshot {
  readonly jobName: string;
  readonly status: JobStatus;
  readonly uptimeMs: number;
  readonly pipeline: PipelineShape;
  readonly recordsIn: number;
  readonly recordsInPerSecond: number;
  readonly recordsOut: number;
  readonly recordsOutPerSecond: number;
  readonly recordErrors: number;
  /** Records waiting in the external system (sources that report `pendingRecords`). */
  readonly lag: number | undefined;
  readonly restarts: number;
  readonly subtasks: readonly SubtaskView[];
  readonly checkpoints: readonly CheckpointView[];
  readonly errors: readonly ErrorView[];
}

const KEEP = 30;

/**
 * Watches a running job through its event stream and metric registry (nothing of its own on the
 * record path) and turns them into {@link JobSnapshot}s. Rates are computed between two samples.
 */
export class JobMonitor {
  private readonly startedAt = Date.now();
  private readonly checkpoints: CheckpointView[] = [];
  private readonly errors: ErrorView[] = [];
  private previous: { at: number; counts: Map<string, number> } | undefined;
  private rates = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly client: JobClient,
    private readonly jobName: string,
    private readonly pipeline: PipelineShape,
  ) {
    this.unsubscribe = client.on('*', (event) => {
      const at = Date.now();
      if (event.type === 'checkpointCompleted') {
        this.push(this.checkpoints, {
          id: event.checkpointId,
          kind: event.kind,
          status: 'completed',
          at,
          durationMs: event.durationMs,
          sizeBytes: event.sizeBytes,
          location: event.location,
        });
      } else if (event.type === 'checkpointFailed') {
        this.push(this.checkpoints, {
          id: event.checkpointId,
          kind: event.kind,
          status: 'failed',
          at,
          error: event.error.message,
        });
        this.push(this.errors, {
          at,
          message: `checkpoint ${event.checkpointId} failed: ${event.error.message}`,
        });
      } else if (event.type === 'restarting') {
        this.push(this.errors, { at, message: `restart ${event.restarts}: ${event.error.message}` });
      } else if (event.type === 'failed') {
        this.push(this.errors, { at, message: `job failed: ${event.error.message}` });
      }
    });
  }

  /** Records an error seen outside the job's events (e.g. a failed savepoint request). */
  recordError(message: string): void {
    this.push(this.errors, { at: Date.now(), message });
  }

  close(): void {
    this.unsubscribe();
  }

  snapshot(): JobSnapshot {
    const metrics = this.client.metrics.metrics();
    this.sampleRates(metrics);
    const { source, sink } = this.pipeline;
    const subtasks: SubtaskView[] = [];
    for (let subtask = 0; subtask < this.pipeline.parallelism; subtask++) {
      const s = String(subtask);
      const inKey = key('numRecordsIn', source.name, s);
      const outKey = key('numRecordsSend', sink.name, s);
      subtasks.push({
        subtask,
        recordsIn: read(metrics, 'numRecordsIn', source.name, s) ?? 0,
        recordsInPerSecond: this.rates.get(inKey) ?? 0,
        recordsOut: read(metrics, 'numRecordsSend', sink.name, s) ?? 0,
        recordsOutPerSecond: this.rates.get(outKey) ?? 0,
        sendTimeMs: read(metrics, 'currentSendTime', sink.name, s),
        backPressuredMsPerSecond: Math.min(
          1000,
          this.rates.get(key('accumulatedBackPressuredTimeMs', sink.name, s)) ?? 0,
        ),
        backPressuredMs: read(metrics, 'accumulatedBackPressuredTimeMs', sink.name, s) ?? 0,
        watermarkLagMs: read(metrics, 'watermarkLag', source.name, s),
        pendingRecords: read(metrics, 'pendingRecords', source.name, s),
      });
    }
    const sum = (f: (v: SubtaskView) => number | undefined) =>
      subtasks.reduce((total, v) => total + (f(v) ?? 0), 0);
    const lags = subtasks.map((v) => v.pendingRecords).filter((v): v is number => v !== undefined);
    return {
      jobName: this.jobName,
      status: this.client.status(),
      uptimeMs: Date.now() - this.startedAt,
      pipeline: this.pipeline,
      recordsIn: sum((v) => v.recordsIn),
      recordsInPerSecond: sum((v) => v.recordsInPerSecond),
      recordsOut: sum((v) => v.recordsOut),
      recordsOutPerSecond: sum((v) => v.recordsOutPerSecond),
      recordErrors: total(metrics, 'numRecordsInErrors') + total(metrics, 'numRecordsSendErrors'),
      lag: lags.length > 0 ? lags.reduce((a, b) => a + b, 0) : undefined,
      restarts: total(metrics, 'numRestarts'),
      subtasks,
      checkpoints: [...this.checkpoints],
      errors: [...this.errors],
    };
  }

  /** Per-second rates of the per-subtask counters, refreshed at most twice a second. */
  private sampleRates(metrics: readonly RegisteredMetric[]): void {
    const now = Date.now();
    if (this.previous && now - this.previous.at < 500) return;
    const counts = new Map<string, number>();
    for (const m of metrics) {
      if (m.kind !== 'counter' || m.labels.subtask === undefined || m.labels.route !== undefined) continue;
      counts.set(key(m.name, m.labels.operator ?? '', m.labels.subtask), m.read() ?? 0);
    }
    if (this.previous) {
      const seconds = (now - this.previous.at) / 1000;
      const rates = new Map<string, number>();
      for (const [k, count] of counts)
        rates.set(k, Math.max(0, (count - (this.previous.counts.get(k) ?? 0)) / seconds));
      this.rates = rates;
    }
    this.previous = { at: now, counts };
  }

  private push<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > KEEP) list.shift();
  }
}

function key(name: string, operator: string, subtask: string): string {
  return `${name}|${operator}|${subtask}`;
}

/** A per-subtask metric of one operator (the sink's own series, not a router's per-route copies). */
function read(
  metrics: readonly RegisteredMetric[],
  name: string,
  operator: string,
  subtask: string,
): number | undefined {
  const m = metrics.find(
    (x) =>
      x.name === name &&
      x.labels.operator === operator &&
      x.labels.subtask === subtask &&
      x.labels.route === undefined,
  );
  return m?.read();
}

function total(metrics: readonly RegisteredMetric[], name: string): number {
  return metrics
    .filter((m) => m.name === name && m.labels.route === undefined)
    .reduce((s, m) => s + (m.read() ?? 0), 0);
}
