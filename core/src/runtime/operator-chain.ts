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
      const ctx = new ChainProcessContext(env);
      for (let i = 0; i < n; i++) {
        const ts = timestamps[i] ?? Number.NaN;
        ctx.inputTimestamp = ts;
        ctx.timestamp = Number.isNaN(ts) ? undefined : ts;
        op.fn(values[i], ctx);
      }
      return { values: ctx.values, timestamps: ctx.timestamps };
    }
  }
}

/**
 * The context of a `process` operator over one batch: one object whose fields move from record to
 * record. A class with plain fields, not an object literal with getters per batch: each such
 * literal has its own accessors, so after a few batches the user function's `ctx.timestamp`
 * site sees many shapes and every access takes the slow path.
 */
class ChainProcessContext implements ProcessContext<unknown> {
  timestamp: number | undefined = undefined;
  /** The current record's timestamp, NaN for none (what `emit` without a timestamp passes on). */
  inputTimestamp = Number.NaN;
  readonly values: unknown[] = [];
  readonly timestamps: number[] = [];
  readonly subtaskId: number;

  constructor(private readonly env: ChainEnv) {
    this.subtaskId = env.subtaskId;
  }

  get currentWatermark(): number | undefined {
    return this.env.currentWatermark();
  }

  emit(value: unknown, timestamp?: number): void {
    this.values.push(value);
    this.timestamps.push(timestamp ?? this.inputTimestamp);
  }
}
