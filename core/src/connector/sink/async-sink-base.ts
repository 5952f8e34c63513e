import type { Sink, SupportsWriterState, WriterInitContext } from '../../api/sink.js';
import type { VersionedSerializer } from '../../serialization/versioned-serializer.js';
import type { AsyncSinkWriter } from './async-sink-writer.js';
import { type BufferedRequestState, bufferedRequestStateSerializer } from './buffered-request-state.js';

/**
 * The sink side of FLIP-171 (Flink's `AsyncSinkBase`): a {@link Sink} whose writers keep their
 * undelivered entries as state. A connector supplies the serializer of one request entry and
 * {@link createAsyncWriter}; fresh writers and restored writers both come from that one factory,
 * so there is no second code path to forget.
 *
 * Keep the sink a cheap description (validated options, no open clients): the runtime may create
 * it once and writers many times.
 */
export abstract class AsyncSinkBase<InputT, RequestEntryT>
  implements Sink<InputT>, SupportsWriterState<InputT, BufferedRequestState<RequestEntryT>>
{
  /** Serializes the writer state: the buffered entries, via the connector's entry serializer. */
  readonly writerStateSerializer: VersionedSerializer<BufferedRequestState<RequestEntryT>>;

  protected constructor(entrySerializer: VersionedSerializer<RequestEntryT>) {
    this.writerStateSerializer = bufferedRequestStateSerializer(entrySerializer);
  }

  /**
   * Builds a writer. `restoredState` is empty for a fresh writer; after a restore it holds the
   * states of one or more old subtasks, to hand to the writer's `restoredState`.
   */
  protected abstract createAsyncWriter(
    ctx: WriterInitContext,
    restoredState: readonly BufferedRequestState<RequestEntryT>[],
  ): AsyncSinkWriter<InputT, RequestEntryT> | Promise<AsyncSinkWriter<InputT, RequestEntryT>>;

  createWriter(
    ctx: WriterInitContext,
  ): AsyncSinkWriter<InputT, RequestEntryT> | Promise<AsyncSinkWriter<InputT, RequestEntryT>> {
    return this.createAsyncWriter(ctx, []);
  }

  restoreWriter(
    ctx: WriterInitContext,
    recoveredState: readonly BufferedRequestState<RequestEntryT>[],
  ): AsyncSinkWriter<InputT, RequestEntryT> | Promise<AsyncSinkWriter<InputT, RequestEntryT>> {
    return this.createAsyncWriter(ctx, recoveredState);
  }
}
