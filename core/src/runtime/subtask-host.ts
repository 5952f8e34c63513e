import type { Logger } from '../logging/logger.js';
import { SinkWriterMetricGroup, SourceReaderMetricGroup } from '../metrics/metric-groups.js';
import type { MetricRegistry } from '../metrics/metric-registry.js';
import type { JobGraph } from './job-graph.js';
import type { ResolvedJobOptions } from './job-options.js';
import type { CoordinatorToSubtask, SubtaskToCoordinator } from './messages.js';
import { SubtaskTask } from './subtask-task.js';
import type { SubtaskStart } from './workers/worker-protocol.js';

/** What every subtask of one attempt shares. */
export interface SubtaskHostContext {
  readonly parallelism: number;
  readonly graph: JobGraph;
  readonly options: ResolvedJobOptions;
  readonly restoredCheckpointId: number | undefined;
  readonly attemptNumber: number;
  readonly jobId: string;
  readonly registry: MetricRegistry;
  readonly logger: Logger;
  /** A subtask's message to the coordinator. */
  readonly send: (message: SubtaskToCoordinator) => void;
  /** A subtask's run ended: `error` is its failure, undefined a clean end. */
  readonly onEnded: (subtask: number, error: unknown) => void;
}

/**
 * Where an attempt's subtasks run: on the main event loop ({@link LocalSubtaskHost}) or in worker
 * threads or processes. The coordinator sees the same messages either way.
 */
export interface SubtaskHost {
  start(subtasks: readonly SubtaskStart[]): void;
  send(subtask: number, message: CoordinatorToSubtask): void;
  /** Stops every subtask (failure or cancel). */
  abort(): void;
  /** Waits for every subtask to end (at most `timeoutMs`), then releases what the host holds. */
  close(timeoutMs: number): Promise<void>;
}

/** Today's single loop: every subtask on the main event loop. */
export class LocalSubtaskHost implements SubtaskHost {
  private readonly tasks: SubtaskTask[] = [];
  private readonly runs: Promise<unknown>[] = [];

  constructor(private readonly ctx: SubtaskHostContext) {}

  start(subtasks: readonly SubtaskStart[]): void {
    const { ctx } = this;
    for (const spec of subtasks) {
      const labels = { job: ctx.options.jobName, subtask: String(spec.index) };
      const task = new SubtaskTask({
        index: spec.index,
        parallelism: ctx.parallelism,
        graph: ctx.graph,
        options: ctx.options,
        send: ctx.send,
        restoredSplits: spec.restoredSplits,
        restoredWriterStates: spec.restoredWriterStates,
        restoredCheckpointId: ctx.restoredCheckpointId,
        attemptNumber: ctx.attemptNumber,
        jobId: ctx.jobId,
        readerMetrics: new SourceReaderMetricGroup(ctx.registry, {
          ...labels,
          operator: ctx.graph.sourceName,
        }),
        writerMetrics: new SinkWriterMetricGroup(ctx.registry, { ...labels, operator: ctx.graph.sinkName }),
        logger: ctx.logger.child({ subtask: spec.index }),
      });
      this.tasks[spec.index] = task;
      const run = task.run();
      this.runs.push(run.catch(() => undefined));
      run.then(
        () => ctx.onEnded(spec.index, undefined),
        (error: unknown) => ctx.onEnded(spec.index, error),
      );
    }
  }

  send(subtask: number, message: CoordinatorToSubtask): void {
    this.tasks[subtask]?.mailbox.put(message);
  }

  abort(): void {
    for (const task of this.tasks) task?.abort();
  }

  async close(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.runs),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
