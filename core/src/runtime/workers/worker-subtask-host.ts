import { toError } from '../../errors/tributary-error.js';
import type { CoordinatorToSubtask } from '../messages.js';
import type { SubtaskHost, SubtaskHostContext } from '../subtask-host.js';
import { writeForwardedLog } from './forwarding-logger.js';
import { MetricMirror } from './metric-mirror.js';
import { openWorkerChannel, type WorkerChannel } from './worker-channel.js';
import type { WorkerPlan } from './worker-plan.js';
import { workerOfSubtask } from './worker-plan.js';
import { deserializeError, type SubtaskStart, type WorkerToMain } from './worker-protocol.js';

/** How often workers send their metric values to the main registry (progress displays sample at 200 ms). */
const METRICS_INTERVAL_MS = 250;

/**
 * Subtasks spread over worker threads or processes (one per attempt: a restart starts fresh
 * workers, and none outlives the attempt). A worker that throws, exits or dies fails the attempt
 * like a failing subtask does.
 */
export class WorkerSubtaskHost implements SubtaskHost {
  private readonly channels: WorkerChannel[] = [];
  /** Subtasks whose run has not ended yet, per worker. */
  private readonly running = new Set<number>();
  private allEnded: (() => void) | undefined;
  private closing = false;

  constructor(
    private readonly ctx: SubtaskHostContext,
    private readonly plan: Extract<WorkerPlan, { mode: 'threads' | 'processes' }>,
  ) {}

  start(subtasks: readonly SubtaskStart[]): void {
    const { ctx, plan } = this;
    const mirror = new MetricMirror(ctx.registry);
    ctx.logger.info(
      { workers: plan.count, mode: plan.mode, parallelism: ctx.parallelism },
      `running ${ctx.parallelism} subtasks in ${plan.count} worker ${plan.mode}`,
    );
    for (let w = 0; w < plan.count; w++) {
      const mine = subtasks.filter((s) => workerOfSubtask(s.index, plan.count) === w);
      for (const s of mine) this.running.add(s.index);
      const channel = openWorkerChannel({
        kind: plan.mode,
        index: w,
        moduleUrl: plan.origin.url,
        resourceLimits: plan.resourceLimits,
      });
      this.channels.push(channel);
      channel.onMessage((message) => this.onMessage(message, mirror));
      channel.onGone((reason, error) => {
        const stillRunning = mine.filter((s) => this.running.has(s.index));
        for (const s of stillRunning) this.running.delete(s.index);
        if (stillRunning.length > 0 && !this.closing) {
          const subtaskList = stillRunning.map((s) => s.index).join(', ');
          const failure = new Error(`${reason} while running subtasks ${subtaskList}`, { cause: error });
          ctx.onEnded(stillRunning[0]?.index ?? 0, failure);
        }
        this.checkAllEnded();
      });
      channel.post({
        type: 'init',
        worker: w,
        origin: plan.origin,
        options: ctx.options,
        parallelism: ctx.parallelism,
        restoredCheckpointId: ctx.restoredCheckpointId,
        attemptNumber: ctx.attemptNumber,
        jobId: ctx.jobId,
        subtasks: mine,
        metricsIntervalMs: METRICS_INTERVAL_MS,
      });
    }
  }

  send(subtask: number, message: CoordinatorToSubtask): void {
    this.channels[workerOfSubtask(subtask, this.channels.length)]?.post({ type: 'mail', subtask, message });
  }

  abort(): void {
    this.closing = true;
    for (const channel of this.channels) channel.post({ type: 'abort' });
  }

  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.allEnded = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    // Subtasks closed their readers and writers (or got their time): no worker outlives the attempt.
    await Promise.all(
      this.channels.map((c) =>
        c.terminate().catch((error: unknown) => {
          this.ctx.logger.warn({ err: toError(error) }, 'error while terminating a worker');
        }),
      ),
    );
  }

  private onMessage(message: WorkerToMain, mirror: MetricMirror): void {
    switch (message.type) {
      case 'toCoordinator':
        this.ctx.send(message.message);
        return;
      case 'metrics':
        mirror.apply(message.samples);
        return;
      case 'log':
        writeForwardedLog(this.ctx.logger, message);
        return;
      case 'ended':
        if (!this.running.delete(message.subtask)) return;
        this.ctx.onEnded(message.subtask, message.error && deserializeError(message.error));
        this.checkAllEnded();
        return;
    }
  }

  private checkAllEnded(): void {
    if (this.running.size === 0) this.allEnded?.();
  }
}
