import type {
  Boundedness,
  Source,
  SourceReader,
  SourceReaderContext,
  SplitEnumerator,
  SplitEnumeratorContext,
  VersionedSerializer,
} from '@tributary/core';
import { createKinesisClient } from '../client/kinesis-client.js';
import type { KinesisRecordDeserializer } from './kinesis-record.js';
import { type StreamTarget, streamTarget } from './kinesis-shard-discoverer.js';
import { type KinesisShardSplit, kinesisShardSplitSerializer } from './kinesis-shard-split.js';
import {
  KinesisSourceEnumerator,
  type KinesisSourceEnumState,
  kinesisSourceEnumStateSerializer,
} from './kinesis-source-enumerator.js';
import type { KinesisSourceEvents } from './kinesis-source-events.js';
import {
  KinesisSourceOptions,
  type KinesisSourceOptionsInput,
  type ResolvedKinesisSourceOptions,
} from './kinesis-source-options.js';
import { KinesisSourceReader } from './kinesis-source-reader.js';

/**
 * Reads a Kinesis data stream (FLIP-27): the enumerator lists shards and hands each to the reader
 * owning its hash key range once all its parents were read to their end; readers poll their
 * shards with GetRecords and checkpoint sequence numbers. Bounded when `stoppingPosition` is set.
 *
 * ```ts
 * const source = new KinesisSource(
 *   { streamName: 'orders', region: 'eu-west-1', startingPosition: 'trim-horizon' },
 *   valueOnly(new JsonDeserializationSchema<Order>()),
 * );
 * ```
 */
export class KinesisSource<T>
  implements Source<T, KinesisShardSplit, KinesisSourceEnumState, KinesisSourceEvents>
{
  readonly options: ResolvedKinesisSourceOptions;
  readonly boundedness: Boundedness;
  readonly splitSerializer: VersionedSerializer<KinesisShardSplit> = kinesisShardSplitSerializer;
  readonly enumeratorStateSerializer: VersionedSerializer<KinesisSourceEnumState> =
    kinesisSourceEnumStateSerializer;
  private readonly target: StreamTarget;

  constructor(
    options: KinesisSourceOptionsInput,
    private readonly deserializer: KinesisRecordDeserializer<T>,
  ) {
    this.options = KinesisSourceOptions.parse(options);
    this.boundedness = this.options.stoppingPosition === 'never' ? 'unbounded' : 'bounded';
    this.target = streamTarget(this.options);
  }

  createEnumerator(
    ctx: SplitEnumeratorContext<KinesisShardSplit, KinesisSourceEvents>,
  ): SplitEnumerator<KinesisShardSplit, KinesisSourceEnumState, KinesisSourceEvents> {
    return this.enumerator(ctx, undefined);
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<KinesisShardSplit, KinesisSourceEvents>,
    state: KinesisSourceEnumState,
  ): SplitEnumerator<KinesisShardSplit, KinesisSourceEnumState, KinesisSourceEvents> {
    return this.enumerator(ctx, state);
  }

  createReader(
    ctx: SourceReaderContext<KinesisSourceEvents>,
  ): SourceReader<T, KinesisShardSplit, KinesisSourceEvents> {
    return new KinesisSourceReader(
      (protocol) => createKinesisClient(this.options, protocol),
      this.target,
      this.options,
      this.deserializer,
      ctx,
    );
  }

  private enumerator(
    ctx: SplitEnumeratorContext<KinesisShardSplit, KinesisSourceEvents>,
    state: KinesisSourceEnumState | undefined,
  ): KinesisSourceEnumerator {
    return new KinesisSourceEnumerator(
      ctx,
      this.options,
      createKinesisClient(this.options),
      this.target,
      this.boundedness === 'bounded',
      state,
    );
  }
}
