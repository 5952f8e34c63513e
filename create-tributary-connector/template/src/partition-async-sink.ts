import { randomUUID } from 'node:crypto';
import {
  AsyncSinkBase,
  AsyncSinkWriter,
  type BufferedRequestState,
  jsonSerializer,
  type WriterInitContext,
} from '@tributary/core';
import { PartitionAsyncSinkOptions, type PartitionAsyncSinkOptionsInput } from './options.js';
import { publishPartition } from './partition-files.js';

/** One request entry: a record as its JSON line (the service's unit of a batch call). */
type LineEntry = string;

/**
 * The writer: core's `AsyncSinkWriter` buffers, batches, retries and checkpoints the entries; the
 * connector only sends one batch (here: publishes it as one new partition file) and sizes an
 * entry. A batch that fails as a whole is retried by the base.
 */
class PartitionAsyncWriter<T> extends AsyncSinkWriter<T, LineEntry> {
  // Unique per writer instance: file names never collide across subtasks, attempts or restarts.
  private readonly prefix: string;
  private seq = 0;

  constructor(
    private readonly directory: string,
    context: WriterInitContext,
    options: PartitionAsyncSinkOptionsInput,
    restoredState: readonly BufferedRequestState<LineEntry>[],
  ) {
    // The whole parsed options object: the base reads its own keys and ignores `directory`.
    super({ context, options, restoredState, elementConverter: (record) => JSON.stringify(record) });
    this.prefix = `async-${context.subtaskId}-${context.attemptNumber}-${randomUUID().slice(0, 8)}`;
  }

  protected override async submitRequestEntries(
    entries: readonly LineEntry[],
  ): Promise<readonly LineEntry[]> {
    const name = `${this.prefix}-${String(this.seq++).padStart(6, '0')}`;
    await publishPartition(this.directory, name, `${entries.join('\n')}\n`);
    return []; // all accepted; a partial failure would return the entries to retry
  }

  protected override getSizeInBytes(entry: LineEntry): number {
    return Buffer.byteLength(entry) + 1;
  }
}

/**
 * An at-least-once sink on core's async sink base (FLIP-171): every batch becomes a new
 * partition file. Entries still buffered at a checkpoint are stored in it and re-sent after a
 * restore, so nothing is lost; a batch sent before a crash may be sent again.
 */
export class PartitionAsyncSink<T> extends AsyncSinkBase<T, LineEntry> {
  private readonly options: ReturnType<typeof PartitionAsyncSinkOptions.parse>;

  constructor(options: PartitionAsyncSinkOptionsInput) {
    super(jsonSerializer<LineEntry>({ name: 'LineEntry' }));
    this.options = PartitionAsyncSinkOptions.parse(options); // fail fast, when the job is built
  }

  protected override createAsyncWriter(
    ctx: WriterInitContext,
    restoredState: readonly BufferedRequestState<LineEntry>[],
  ): PartitionAsyncWriter<T> {
    return new PartitionAsyncWriter<T>(this.options.directory, ctx, this.options, restoredState);
  }
}
