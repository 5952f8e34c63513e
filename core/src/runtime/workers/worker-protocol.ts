/**
 * Messages between the main thread and a worker (thread or process). Records never cross: only
 * the coordinator ⇄ subtask messages, metric samples and log lines do, as structured-clone data.
 */
import { TributaryError } from '../../errors/tributary-error.js';
import type { MetricKind, MetricLabels } from '../../metrics/metric-types.js';
import type { ResolvedJobOptions } from '../job-options.js';
import type { CoordinatorToSubtask, StoredBytes, SubtaskToCoordinator } from '../messages.js';
import type { JobOrigin } from './job-module.js';

/** What one subtask starts from. */
export interface SubtaskStart {
  readonly index: number;
  readonly restoredSplits: readonly StoredBytes[];
  readonly restoredWriterStates: readonly StoredBytes[];
}

export interface WorkerInit {
  readonly type: 'init';
  readonly worker: number;
  readonly origin: JobOrigin;
  readonly options: ResolvedJobOptions;
  readonly parallelism: number;
  readonly restoredCheckpointId: number | undefined;
  readonly attemptNumber: number;
  readonly jobId: string;
  readonly subtasks: readonly SubtaskStart[];
  readonly metricsIntervalMs: number;
}

export type MainToWorker =
  | WorkerInit
  | { readonly type: 'mail'; readonly subtask: number; readonly message: CoordinatorToSubtask }
  /** Stop every subtask (job failure or cancel); the worker answers with `ended` per subtask. */
  | { readonly type: 'abort' };

export interface MetricSample {
  readonly name: string;
  readonly kind: MetricKind;
  readonly labels: MetricLabels;
  readonly value: number | undefined;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: string | undefined;
  readonly context: Readonly<Record<string, unknown>> | undefined;
}

export type WorkerToMain =
  | { readonly type: 'toCoordinator'; readonly message: SubtaskToCoordinator }
  | { readonly type: 'metrics'; readonly samples: readonly MetricSample[] }
  | {
      readonly type: 'log';
      readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
      readonly bindings: Readonly<Record<string, unknown>>;
      readonly fields: Readonly<Record<string, unknown>>;
      readonly msg: string | undefined;
    }
  /** A subtask's run ended: cleanly (`error` undefined) or with its failure. */
  | { readonly type: 'ended'; readonly subtask: number; readonly error: SerializedError | undefined };

/** An error as plain data (a TributaryError keeps its code and context across the boundary). */
export function serializeError(error: unknown): SerializedError {
  const e = error instanceof Error ? error : new Error(String(error));
  const withCode = e as Error & { code?: unknown; context?: unknown };
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    code: typeof withCode.code === 'string' ? withCode.code : undefined,
    context:
      typeof withCode.context === 'object' && withCode.context !== null
        ? safeClone(withCode.context as Record<string, unknown>)
        : undefined,
  };
}

export function deserializeError(data: SerializedError): Error {
  const error =
    data.code !== undefined && data.name === 'TributaryError'
      ? new TributaryError(data.code, data.message, data.context ? { context: data.context } : {})
      : Object.assign(new Error(data.message), data.code === undefined ? {} : { code: data.code });
  if (data.name !== 'TributaryError') error.name = data.name;
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

/** A JSON round trip: drops functions and class instances that cannot be cloned. */
function safeClone(value: Record<string, unknown>): Record<string, unknown> | undefined {
  try {
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
