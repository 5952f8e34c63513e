import type { JobSnapshot } from '../monitor/job-monitor.js';

/** Where progress goes; a TTY gets one line rewritten in place. */
export interface ProgressTarget {
  readonly isTTY?: boolean | undefined;
  write(text: string): unknown;
}

export type LogFormat = 'text' | 'json';

const fmt = new Intl.NumberFormat('en-US');

/** One progress line: `12.0s running  in 120,000 (10,000/s)  out 119,000 (9,900/s)  lag -  chk #3 0.2s ago  errors 0`. */
export function progressLine(s: JobSnapshot, now = Date.now()): string {
  const last = [...s.checkpoints].reverse().find((c) => c.status === 'completed');
  const chk = last ? `chk #${last.id} ${((now - last.at) / 1000).toFixed(1)}s ago` : 'chk -';
  return (
    `${(s.uptimeMs / 1000).toFixed(1)}s ${s.status}  ` +
    `in ${fmt.format(s.recordsIn)} (${fmt.format(Math.round(s.recordsInPerSecond))}/s)  ` +
    `out ${fmt.format(s.recordsOut)} (${fmt.format(Math.round(s.recordsOutPerSecond))}/s)  ` +
    `lag ${s.lag === undefined ? '-' : fmt.format(s.lag)}  ${chk}  ` +
    `errors ${fmt.format(s.recordErrors + s.errors.length)}`
  );
}

/** The same numbers as one JSON log line. */
export function progressJson(s: JobSnapshot): string {
  const last = [...s.checkpoints].reverse().find((c) => c.status === 'completed');
  return JSON.stringify({
    time: new Date().toISOString(),
    level: 'info',
    msg: 'progress',
    job: s.jobName,
    status: s.status,
    uptimeMs: s.uptimeMs,
    recordsIn: s.recordsIn,
    recordsInPerSecond: Math.round(s.recordsInPerSecond),
    recordsOut: s.recordsOut,
    recordsOutPerSecond: Math.round(s.recordsOutPerSecond),
    lag: s.lag ?? null,
    lastCheckpointId: last?.id ?? null,
    recordErrors: s.recordErrors,
    errors: s.errors.length,
  });
}

/**
 * Prints live progress once a second: a TTY line rewritten in place (text format), otherwise one
 * line per second (text or JSON).
 */
export class ProgressPrinter {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: ProgressTarget,
    private readonly sample: () => JobSnapshot,
    private readonly format: LogFormat,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.print(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops; a TTY's live line is cleared so that what follows starts on a clean line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.live()) this.target.write('\r\x1b[2K');
  }

  /** Prints a message (e.g. "stopping with a savepoint") without garbling the live line. */
  note(message: string, fields: Record<string, unknown> = {}): void {
    if (this.format === 'json') {
      this.target.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: message, ...fields })}\n`,
      );
      return;
    }
    const extra = Object.entries(fields)
      .map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join('');
    this.target.write(`${this.live() ? '\r\x1b[2K' : ''}${message}${extra}\n`);
  }

  print(): void {
    const s = this.sample();
    if (this.format === 'json') this.target.write(`${progressJson(s)}\n`);
    else if (this.live()) this.target.write(`\r\x1b[2K${progressLine(s)}`);
    else this.target.write(`${progressLine(s)}\n`);
  }

  private live(): boolean {
    return this.format === 'text' && this.target.isTTY === true;
  }
}
