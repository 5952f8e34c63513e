import {
  AsyncSinkBase,
  type BufferedRequestState,
  type DeadLetterHandler,
  type WriterInitContext,
} from '@tributary/core';
import { createKinesisClient } from '../client/kinesis-client.js';
import { type KinesisPutEntry, kinesisPutEntrySerializer } from './kinesis-put-entry.js';
import type { KinesisRecordSerializer } from './kinesis-record-serializer.js';
import {
  KinesisSinkOptions,
  type KinesisSinkOptionsInput,
  type ResolvedKinesisSinkOptions,
} from './kinesis-sink-options.js';
import { KinesisSinkWriter } from './kinesis-sink-writer.js';

/** Extras of {@link KinesisSink} that are code, not configuration. */
export interface KinesisSinkExtras {
  /**
   * Where records the sink gives up on go: larger than `maxRecordSizeInBytes`
   * (`TRIB_RECORD_TOO_LARGE`) or failed `maxRetriesPerEntry + 1` times
   * (`TRIB_RETRIES_EXHAUSTED`). Without one, such a record fails the write / the job.
   */
  readonly deadLetter?: DeadLetterHandler<KinesisPutEntry>;
}

/**
 * Writes records to a Kinesis data stream with PutRecords (FLIP-171 async sink), at least once:
 * a checkpoint waits until every buffered record was accepted, and records not yet accepted are
 * part of the writer's state.
 *
 * ```ts
 * const sink = new KinesisSink(
 *   { streamName: 'orders', region: 'eu-west-1' },
 *   kinesisRecordSerializer({ value: jsonSerializationSchema<Order>(), partitionKey: { field: 'customer' } }),
 * );
 * ```
 */
export class KinesisSink<T> extends AsyncSinkBase<T, KinesisPutEntry> {
  readonly options: ResolvedKinesisSinkOptions;

  constructor(
    options: KinesisSinkOptionsInput,
    private readonly serializer: KinesisRecordSerializer<T>,
    private readonly extras: KinesisSinkExtras = {},
  ) {
    super(kinesisPutEntrySerializer);
    this.options = KinesisSinkOptions.parse(options);
  }

  protected override createAsyncWriter(
    ctx: WriterInitContext,
    restoredState: readonly BufferedRequestState<KinesisPutEntry>[],
  ): KinesisSinkWriter<T> {
    return new KinesisSinkWriter(
      createKinesisClient(this.options),
      this.options,
      this.serializer,
      ctx,
      restoredState,
      this.extras.deadLetter,
    );
  }
}
