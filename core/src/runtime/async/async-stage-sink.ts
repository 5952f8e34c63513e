import {
  type CommitterInitContext,
  type Sink,
  type SinkWriter,
  type SupportsCommitter,
  supportsCommitter,
  supportsWriterState,
  type WriterInitContext,
} from '../../api/sink.js';
import { CoreErrorCodes } from '../../errors/error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { jsonSerializer, type VersionedSerializer } from '../../serialization/versioned-serializer.js';
import type { ChainOperator } from '../operator-chain.js';
import type { AsyncFunction, AsyncIoOptions } from './async-io-options.js';
import { type AsyncStageState, AsyncStageWriter } from './async-stage-writer.js';

/** An async stage of a pipeline as the job graph holds it (see `DataStream.mapAsync`). */
export interface AsyncStageSpec {
  readonly fn: AsyncFunction<unknown, unknown>;
  readonly options: AsyncIoOptions;
}

interface StoredStage {
  readonly inputs: string[];
  readonly inputVersion: number;
  readonly timestamps: (number | null)[];
  readonly inner: { readonly v: number; readonly b64: string }[];
}

/**
 * Runs an async stage inside the subtask's writer slot: `stage → operators after it → sink`. The
 * runtime sees one stateful (and, when the sink has one, committing) sink, so the stage's inputs
 * in flight travel in the writer state of every checkpoint and are re-issued on restore, with no
 * change to the checkpoint protocol. Committer and committables are the wrapped sink's.
 */
export function asyncStageSink(
  stage: AsyncStageSpec,
  after: readonly ChainOperator[],
  inner: Sink<unknown>,
): Sink<unknown> {
  const inputSerializer =
    (stage.options.inputSerializer as VersionedSerializer<unknown> | undefined) ??
    jsonSerializer<unknown>({ name: `${stage.options.name} input` });
  const innerStateSerializer = supportsWriterState(inner)
    ? (inner.writerStateSerializer as VersionedSerializer<unknown>)
    : undefined;
  const writerStateSerializer: VersionedSerializer<AsyncStageState> = {
    version: 1,
    serialize(state) {
      const stored: StoredStage = {
        inputs: state.inputs.map((input) => Buffer.from(inputSerializer.serialize(input)).toString('base64')),
        inputVersion: inputSerializer.version,
        timestamps: state.timestamps.map((t) => (Number.isNaN(t) ? null : t)),
        inner: state.inner.map((s) => ({
          v: (innerStateSerializer as VersionedSerializer<unknown>).version,
          b64: Buffer.from((innerStateSerializer as VersionedSerializer<unknown>).serialize(s)).toString(
            'base64',
          ),
        })),
      };
      return new TextEncoder().encode(JSON.stringify(stored));
    },
    deserialize(version, bytes) {
      if (version !== 1) {
        throw new TributaryError(
          CoreErrorCodes.SERIALIZER_VERSION,
          `Cannot read the state of async stage '${stage.options.name}' written with version ${version}; this release reads version 1`,
          { context: { operator: stage.options.name, version } },
        );
      }
      const stored = JSON.parse(new TextDecoder().decode(bytes)) as StoredStage;
      return {
        inputs: stored.inputs.map((b64) =>
          inputSerializer.deserialize(stored.inputVersion, Buffer.from(b64, 'base64')),
        ),
        timestamps: stored.timestamps.map((t) => t ?? Number.NaN),
        inner: stored.inner.map((s) => {
          if (!innerStateSerializer) {
            throw new TributaryError(
              CoreErrorCodes.RESTORE_FAILED,
              'The checkpoint holds writer state for a sink that keeps none (was the sink changed?)',
              { context: { operator: stage.options.name } },
            );
          }
          return innerStateSerializer.deserialize(s.v, Buffer.from(s.b64, 'base64'));
        }),
      };
    },
  };

  const open = async (
    ctx: WriterInitContext,
    states: readonly AsyncStageState[],
  ): Promise<SinkWriter<unknown>> => {
    const innerStates = states.flatMap((s) => s.inner);
    const innerWriter =
      innerStates.length > 0 && supportsWriterState(inner)
        ? await inner.restoreWriter(ctx, innerStates)
        : await inner.createWriter(ctx);
    const writer = new AsyncStageWriter(stage.fn, stage.options, after, innerWriter, ctx, {
      inputs: states.flatMap((s) => s.inputs),
      timestamps: states.flatMap((s) => s.timestamps),
    });
    return writer;
  };

  const sink = {
    createWriter: (ctx: WriterInitContext) => open(ctx, []),
    restoreWriter: (ctx: WriterInitContext, states: readonly AsyncStageState[]) => open(ctx, states),
    writerStateSerializer,
  };
  if (!supportsCommitter(inner)) return sink;
  const committing: Sink<unknown> & SupportsCommitter<unknown> = {
    ...sink,
    createCommitter: (ctx: CommitterInitContext) => inner.createCommitter(ctx),
    committableSerializer: inner.committableSerializer as VersionedSerializer<unknown>,
  };
  return committing;
}

/** Splits a pipeline's steps at its first async stage, wrapping the rest around the sink. */
export type PipelineStep =
  | { readonly kind: 'chain'; readonly op: ChainOperator }
  | { readonly kind: 'async'; readonly stage: AsyncStageSpec };

export function planSteps(
  steps: readonly PipelineStep[],
  sink: Sink<unknown>,
): { operators: ChainOperator[]; sink: Sink<unknown> } {
  const first = steps.findIndex((s) => s.kind === 'async');
  const chain = (list: readonly PipelineStep[]) =>
    list.map((s) => (s as Extract<PipelineStep, { kind: 'chain' }>).op);
  if (first < 0) return { operators: chain(steps), sink };
  const rest = planSteps(steps.slice(first + 1), sink);
  const stage = (steps[first] as Extract<PipelineStep, { kind: 'async' }>).stage;
  return { operators: chain(steps.slice(0, first)), sink: asyncStageSink(stage, rest.operators, rest.sink) };
}
