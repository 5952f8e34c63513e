import type { MetricRegistry } from '@tributary/core';

/** Where progress goes: a TTY gets one line rewritten in place, anything else periodic plain lines. */
export interface ProgressTarget {
  readonly isTTY?: boolean | undefined;
  write(text: string): unknown;
}

/** One sample of the job's metrics. */
export interface ProgressSample {
  readonly recordsIn: number;
  readonly bytesIn: number;
  readonly recordsOut: number;
  readonly checkpoints: number;
}

/** Reads a sample from the job's metric registry (FLIP-33 names). */
export function sampleMetrics(metrics: MetricRegistry): ProgressSample {
  return {
    recordsIn: metrics.sum('numRecordsIn'),
    bytesIn: metrics.sum('numBytesIn'),
    // The sink's own series; the RoutingSink's per-route series (`route` label) repeat its records.
    recordsOut: metrics
      .metrics()
      .filter((m) => m.name === 'numRecordsSend' && m.labels.route === undefined)
      .reduce((sum, m) => sum + (m.read() ?? 0), 0),
    checkpoints: metrics.sum('numberOfCompletedCheckpoints'),
  };
}

const fmt = new Intl.NumberFormat('en-US');
const RATE_WINDOW_MS = 2000;

/**
 * Prints live progress: records/s (over the last 2 s), input read, files finished and
 * checkpoints completed. On a TTY every `intervalMs` rewrites one line; otherwise it prints a
 * plain line every `plainEveryMs` so logs stay short.
 */
export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  /**
   * Samples of the last 2 s: the rate spans them, because metrics of subtasks in workers reach the
   * registry in steps (a few times a second), not continuously.
   */
  private recent: { at: number; recordsIn: number }[];
  private lastPlainAt = 0;
  private readonly startedAt = Date.now();

  constructor(
    private readonly target: ProgressTarget,
    private readonly sample: () => ProgressSample & {
      /** Undefined when not known (subtasks in workers). */
      readonly filesDone: number | undefined;
      readonly filesTotal: number;
    },
    private readonly totalBytes: number,
    private readonly intervalMs = 200,
    private readonly plainEveryMs = 2000,
  ) {
    this.recent = [{ at: this.startedAt, recordsIn: 0 }];
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops and clears the live line (a TTY) so the summary starts on a clean line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.target.isTTY) this.target.write('\r\x1b[2K');
  }

  private tick(): void {
    const now = Date.now();
    const s = this.sample();
    this.recent.push({ at: now, recordsIn: s.recordsIn });
    while (this.recent.length > 2 && now - (this.recent[1]?.at ?? now) >= RATE_WINDOW_MS) this.recent.shift();
    const oldest = this.recent[0] ?? { at: now, recordsIn: s.recordsIn };
    const rate = ((s.recordsIn - oldest.recordsIn) * 1000) / Math.max(1, now - oldest.at);
    const pct = this.totalBytes > 0 ? Math.min(100, (s.bytesIn * 100) / this.totalBytes) : 0;
    const line =
      `${((now - this.startedAt) / 1000).toFixed(1)}s  ${fmt.format(s.recordsIn)} records in ` +
      `(${fmt.format(Math.round(rate))}/s, ${pct.toFixed(0)}% of input)  ` +
      `${s.filesDone === undefined ? '' : `files ${s.filesDone}/${s.filesTotal}  `}checkpoints ${s.checkpoints}`;
    if (this.target.isTTY) {
      this.target.write(`\r\x1b[2K${line}`);
    } else if (now - this.lastPlainAt >= this.plainEveryMs) {
      this.lastPlainAt = now;
      this.target.write(`${line}\n`);
    }
  }
}
