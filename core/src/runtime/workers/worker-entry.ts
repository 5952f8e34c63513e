/**
 * Entry of a worker thread or worker process: builds the job from its module, runs the subtasks it
 * was given exactly as the main loop would (reader → chain → writer on a mailbox), and talks to
 * the coordinator only through {@link MainToWorker} / {@link WorkerToMain} messages.
 */
import { parentPort } from 'node:worker_threads';
import { SinkWriterMetricGroup, SourceReaderMetricGroup } from '../../metrics/metric-groups.js';
import { MetricRegistry } from '../../metrics/metric-registry.js';
import { SubtaskTask } from '../subtask-task.js';
import { forwardingLogger } from './forwarding-logger.js';
import { buildGraphFrom } from './job-module.js';
import { sampleMetrics } from './metric-mirror.js';
import { type MainToWorker, serializeError, type WorkerInit, type WorkerToMain } from './worker-protocol.js';

interface Port {
  post(message: WorkerToMain): void;
  onMessage(listener: (message: MainToWorker) => void): void;
}

function openPort(): Port {
  if (parentPort) {
    const port = parentPort;
    return { post: (m) => port.postMessage(m), onMessage: (l) => port.on('message', l) };
  }
  if (process.send) {
    // A worker process: it has no reason to live without its coordinator (a SIGKILLed main
    // process closes the IPC channel), so it exits when the channel closes.
    process.on('disconnect', () => process.exit(0));
    return {
      post: (m) => {
        if (process.connected) process.send?.(m);
      },
      onMessage: (l) => process.on('message', (m) => l(m as MainToWorker)),
    };
  }
  throw new Error('worker-entry runs only as a Tributary worker thread or worker process');
}

const port = openPort();
const tasks = new Map<number, SubtaskTask>();
/** Mail that arrived before the job module was built and the subtasks created. */
const early: Extract<MainToWorker, { type: 'mail' }>[] = [];
let aborted = false;

port.onMessage((message) => {
  switch (message.type) {
    case 'init':
      start(message).catch((error: unknown) => {
        for (const s of message.subtasks)
          port.post({ type: 'ended', subtask: s.index, error: serializeError(error) });
      });
      return;
    case 'mail': {
      const task = tasks.get(message.subtask);
      if (task) task.mailbox.put(message.message);
      else early.push(message);
      return;
    }
    case 'abort':
      aborted = true;
      for (const task of tasks.values()) task.abort();
      return;
  }
});

async function start(init: WorkerInit): Promise<void> {
  const graph = await buildGraphFrom(init.origin);
  const registry = new MetricRegistry();
  const logger = forwardingLogger((m) => port.post(m));
  const publishMetrics = () => port.post({ type: 'metrics', samples: sampleMetrics(registry) });
  const metricsTimer = setInterval(publishMetrics, init.metricsIntervalMs);
  metricsTimer.unref();
  const runs: Promise<void>[] = [];
  for (const spec of init.subtasks) {
    const labels = { job: init.options.jobName, subtask: String(spec.index) };
    const task = new SubtaskTask({
      index: spec.index,
      parallelism: init.parallelism,
      graph,
      options: init.options,
      send: (message) => port.post({ type: 'toCoordinator', message }),
      restoredSplits: spec.restoredSplits,
      restoredWriterStates: spec.restoredWriterStates,
      restoredCheckpointId: init.restoredCheckpointId,
      attemptNumber: init.attemptNumber,
      jobId: init.jobId,
      readerMetrics: new SourceReaderMetricGroup(registry, { ...labels, operator: graph.sourceName }),
      writerMetrics: new SinkWriterMetricGroup(registry, { ...labels, operator: graph.sinkName }),
      logger: logger.child({ subtask: spec.index, worker: init.worker }),
    });
    tasks.set(spec.index, task);
    if (aborted) task.abort();
  }
  for (const mail of early.splice(0)) tasks.get(mail.subtask)?.mailbox.put(mail.message);
  for (const [index, task] of tasks) {
    runs.push(
      task.run().then(
        () => {
          publishMetrics();
          port.post({ type: 'ended', subtask: index, error: undefined });
        },
        (error: unknown) => {
          publishMetrics();
          port.post({ type: 'ended', subtask: index, error: serializeError(error) });
        },
      ),
    );
  }
  await Promise.all(runs);
  clearInterval(metricsTimer);
}
