import type { RecordBatch } from '../watermark/batching-reader-output.js';

/** Context handed to `process` functions. */
export interface ProcessContext<R> {
  /** Event time of the current record, or undefined. */
  readonly timestamp: number | undefined;
  /** The subtask's current watermark, or undefined. */
  readonly currentWatermark: number | undefined;
  readonly subtaskId: number;
  /** Emits a record downstream, with the input's timestamp unless `timestamp` is given. */
  emit(value: R, timestamp?: number): void;
}

/** One stateless operator of a chain. Functions are called per record, synchronously. */
export type ChainOperator =
  | { readonly kind: 'map'; readonly name: string; readonly fn: (value: unknown) => unknown }
  | { readonly kind: 'filter'; readonly name: string; readonly fn: (value: unknown) => boolean }
  | { readonly kind: 'flatMap'; readonly name: string; readonly fn: (value: unknown) => Iterable<unknown> }
  | {
      readonly kind: 'process';
      readonly name: string;
      readonly fn: (value: unknown, ctx: ProcessContext<unknown>) => void;
    };

/** Info the chain needs from its subtask. */
export interface ChainEnv {
  readonly subtaskId: number;
  currentWatermark(): number | undefined;
}

/**
 * Applies a chain of operators to a batch, batch by batch (one loop per operator, not one call
 * chain per record), keeping each record's timestamp beside it.
 */
export function runChain(
  operators: readonly ChainOperator[],
  batch: RecordBatch<unknown>,
  env: ChainEnv,
): RecordBatch<unknown> {
  let current = batch;
  for (const op of operators) {
    current = applyOperator(op, current, env);
    if (current.values.length === 0) break;
  }
  return current;
}

function applyOperator(op: ChainOperator, batch: RecordBatch<unknown>, env: ChainEnv): RecordBatch<unknown> {
  const { values, timestamps } = batch;
  const n = values.length;
  // Batches without event time carry an empty timestamp array; keep it empty on the way through.
  const timed = timestamps.length > 0;
  switch (op.kind) {
    case 'map': {
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = op.fn(values[i]);
      return { values: out, timestamps };
    }
    case 'filter': {
      const outV: unknown[] = [];
      const outT: number[] = [];
      for (let i = 0; i < n; i++) {
        if (op.fn(values[i])) {
          outV.push(values[i]);
          if (timed) outT.push(timestamps[i] ?? Number.NaN);
        }
      }
      return { values: outV, timestamps: outT };
    }
    case 'flatMap': {
      const outV: unknown[] = [];
      const outT: number[] = [];
      for (let i = 0; i < n; i++) {
        const ts = timestamps[i] ?? Number.NaN;
        for (const v of op.fn(values[i])) {
          outV.push(v);
          if (timed) outT.push(ts);
        }
      }
      return { values: outV, timestamps: outT };
    }
    case 'process': {
      const outV: unknown[] = [];
      const outT: number[] = [];
      let ts = Number.NaN;
      const ctx: ProcessContext<unknown> = {
        get timestamp() {
          return Number.isNaN(ts) ? undefined : ts;
        },
        get currentWatermark() {
          return env.currentWatermark();
        },
        subtaskId: env.subtaskId,
        emit(value: unknown, timestamp?: number) {
          outV.push(value);
          outT.push(timestamp ?? ts);
        },
      };
      for (let i = 0; i < n; i++) {
        ts = timestamps[i] ?? Number.NaN;
        op.fn(values[i], ctx);
      }
      return { values: outV, timestamps: outT };
    }
  }
}
