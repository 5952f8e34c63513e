import type { Sink } from '../api/sink.js';
import type { AnySource } from '../api/source.js';
import type { WatermarkStrategy } from '../api/watermark.js';
import { CollectSink } from '../builtins/sinks/collect-sink.js';
import type { VersionedSerializer } from '../serialization/versioned-serializer.js';
import { type AsyncFunction, type AsyncIoOptionsInput, asyncIoOptions } from './async/async-io-options.js';
import { type PipelineStep, planSteps } from './async/async-stage-sink.js';
import type { JobGraph } from './job-graph.js';
import type { JobOptionsInput } from './job-options.js';
import { type JobClient, type JobEnvironment, type JobResult, startJob } from './job-runner.js';
import type { ChainOperator, ProcessContext } from './operator-chain.js';
import type { JobOrigin } from './workers/job-module.js';

/** Options of {@link DataStream.mapAsync}; see docs/concepts.md ("Async I/O"). */
export type MapAsyncOptions<T> = Omit<AsyncIoOptionsInput, 'inputSerializer'> & {
  /** Serializes inputs in flight into checkpoints. Default: JSON (inputs must be JSON values). */
  readonly inputSerializer?: VersionedSerializer<T>;
};

/**
 * The fluent job builder: `Pipeline.from(source).map(f).filter(g).sinkTo(sink).execute(options)`.
 * Builders are immutable; each step returns a new stream.
 */
export const Pipeline = {
  from<T>(
    source: AnySource<T>,
    options: { readonly name?: string; readonly watermarks?: WatermarkStrategy<T> } = {},
  ): DataStream<T> {
    return new DataStream<T>(
      source as AnySource<unknown>,
      options.name ?? 'source',
      options.watermarks as WatermarkStrategy<unknown> | undefined,
      [],
    );
  },
};

export class DataStream<T> {
  /** @internal */
  constructor(
    private readonly source: AnySource<unknown>,
    private readonly sourceName: string,
    private readonly watermarks: WatermarkStrategy<unknown> | undefined,
    private readonly steps: readonly PipelineStep[],
  ) {}

  private with<R>(op: ChainOperator): DataStream<R> {
    return new DataStream<R>(this.source, this.sourceName, this.watermarks, [
      ...this.steps,
      { kind: 'chain', op },
    ]);
  }

  /**
   * Async I/O (Flink's AsyncDataStream): calls `fn` for every record with at most `capacity`
   * calls in flight per subtask, and emits the results in input order (`ordered`, the default)
   * or as they complete. Inputs in flight are part of every checkpoint and are called again
   * after a restore, so `fn` should be a lookup or otherwise idempotent. A call that fails
   * (after `retry`, with `timeoutMs` per attempt) fails the job over.
   */
  mapAsync<R>(fn: AsyncFunction<T, R>, options: MapAsyncOptions<T> = {}): DataStream<R> {
    const parsed = asyncIoOptions.parse(options);
    return new DataStream<R>(this.source, this.sourceName, this.watermarks, [
      ...this.steps,
      { kind: 'async', stage: { fn: fn as AsyncFunction<unknown, unknown>, options: parsed } },
    ]);
  }

  map<R>(fn: (value: T) => R, name = 'map'): DataStream<R> {
    return this.with<R>({ kind: 'map', name, fn: fn as (v: unknown) => unknown });
  }

  filter(fn: (value: T) => boolean, name = 'filter'): DataStream<T> {
    return this.with<T>({ kind: 'filter', name, fn: fn as (v: unknown) => boolean });
  }

  flatMap<R>(fn: (value: T) => Iterable<R>, name = 'flatMap'): DataStream<R> {
    return this.with<R>({ kind: 'flatMap', name, fn: fn as (v: unknown) => Iterable<unknown> });
  }

  /** Per-record function with access to the timestamp and watermark; emits any number of records. */
  process<R>(fn: (value: T, ctx: ProcessContext<R>) => void, name = 'process'): DataStream<R> {
    return this.with<R>({
      kind: 'process',
      name,
      fn: fn as (v: unknown, ctx: ProcessContext<unknown>) => void,
    });
  }

  /**
   * Runs the job and iterates its results: `for await (const r of stream.executeAndCollect())`.
   * Results are collected exactly once in this process: a record is yielded once the checkpoint
   * holding it is committed (with checkpointing, after each checkpoint; without, at the end of
   * a bounded job), so a restart never yields it twice. Leaving the loop early cancels the job;
   * a failed job throws from the loop. `client` watches or stops the job meanwhile.
   */
  executeAndCollect(options: JobOptionsInput = {}, env: JobEnvironment = {}): CollectedResults<T> {
    const handle = CollectSink.create<T>({ deliveryGuarantee: 'exactly-once' });
    const client = this.sinkTo(handle.sink, { name: 'collect' }).start(options, env);
    let done = false;
    const ended = client.result.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    async function* iterate(): AsyncGenerator<T> {
      let next = 0;
      try {
        for (;;) {
          const finished = done;
          const fresh = handle.readFrom(next);
          next += fresh.length;
          yield* fresh;
          if (finished) break;
          if (handle.size === next) await Promise.race([handle.changed(), ended]);
        }
        await client.result; // throws when the job failed
      } finally {
        if (!done) await client.cancel();
        handle.dispose();
      }
    }
    return Object.assign(iterate(), { client });
  }

  sinkTo(sink: Sink<T>, options: { readonly name?: string } = {}): Job {
    return new Job({
      source: this.source,
      sourceName: this.sourceName,
      watermarks: this.watermarks,
      ...planSteps(this.steps, sink as Sink<unknown>),
      sinkName: options.name ?? 'sink',
    });
  }
}

/** What {@link DataStream.executeAndCollect} returns: the results, and the running job. */
export interface CollectedResults<T> extends AsyncIterableIterator<T> {
  readonly client: JobClient;
}

/** A complete job graph, ready to run any number of times. */
export class Job {
  /**
   * @param origin the job module it was loaded from ({@link loadJob}): set, its subtasks can run
   * in worker threads or processes (job option `workers`).
   */
  constructor(
    readonly graph: JobGraph,
    readonly origin?: JobOrigin,
  ) {}

  /** Starts the job and returns a client to watch, savepoint or cancel it. */
  start(options: JobOptionsInput = {}, env: JobEnvironment = {}): JobClient {
    return startJob(this.graph, options, env, this.origin);
  }

  /** Runs the job to its end (bounded input, stop or cancel). */
  execute(options: JobOptionsInput = {}, env: JobEnvironment = {}): Promise<JobResult> {
    return this.start(options, env).result;
  }
}
