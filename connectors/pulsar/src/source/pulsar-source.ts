import type {
  Boundedness,
  Source,
  SourceReader,
  SourceReaderContext,
  SplitEnumerator,
  SplitEnumeratorContext,
  VersionedSerializer,
} from '@tributary/core';
import { createPulsarClient } from '../pulsar-connection-options.js';
import type { PulsarMessageDeserializer } from './pulsar-message-deserializer.js';
import { type PulsarPartitionSplit, pulsarPartitionSplitSerializer } from './pulsar-partition-split.js';
import { PulsarPositionResolver } from './pulsar-position-resolver.js';
import {
  PulsarSourceEnumerator,
  type PulsarSourceEnumState,
  pulsarSourceEnumStateSerializer,
} from './pulsar-source-enumerator.js';
import {
  isSharedType,
  PulsarSourceOptions,
  type PulsarSourceOptionsInput,
  type ResolvedPulsarSourceOptions,
} from './pulsar-source-options.js';
import { PulsarSourceReader } from './pulsar-source-reader.js';
import { PulsarTopicDiscoverer } from './pulsar-topic-discoverer.js';

/**
 * Reads Pulsar topics (FLIP-27) with any of the four subscription types, exactly-once: the
 * enumerator discovers partitions (listed topics, or a pattern within a namespace) and assigns
 * them; readers subscribe per partition and keep exact positions (Exclusive/Failover) or ack
 * transactions (Shared/Key_Shared) in checkpoints. Bounded when `stopCursor` is set.
 *
 * ```ts
 * const source = new PulsarSource(
 *   { serviceUrl: 'pulsar://localhost:6650', topics: ['orders'], subscriptionName: 'orders-job' },
 *   valueOnly(jsonDeserializationSchema<Order>()),
 * );
 * ```
 */
export class PulsarSource<T> implements Source<T, PulsarPartitionSplit, PulsarSourceEnumState> {
  readonly options: ResolvedPulsarSourceOptions;
  readonly boundedness: Boundedness;
  readonly splitSerializer: VersionedSerializer<PulsarPartitionSplit> = pulsarPartitionSplitSerializer;
  readonly enumeratorStateSerializer: VersionedSerializer<PulsarSourceEnumState> =
    pulsarSourceEnumStateSerializer;

  constructor(
    options: PulsarSourceOptionsInput,
    private readonly deserializer: PulsarMessageDeserializer<T>,
  ) {
    this.options = PulsarSourceOptions.parse(options);
    this.boundedness = this.options.stopCursor === 'never' ? 'unbounded' : 'bounded';
  }

  createEnumerator(
    ctx: SplitEnumeratorContext<PulsarPartitionSplit>,
  ): SplitEnumerator<PulsarPartitionSplit, PulsarSourceEnumState> {
    return this.enumerator(ctx, undefined);
  }

  restoreEnumerator(
    ctx: SplitEnumeratorContext<PulsarPartitionSplit>,
    state: PulsarSourceEnumState,
  ): SplitEnumerator<PulsarPartitionSplit, PulsarSourceEnumState> {
    return this.enumerator(ctx, state);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, PulsarPartitionSplit> {
    return new PulsarSourceReader(createPulsarClient(this.options), this.options, this.deserializer, ctx);
  }

  private enumerator(
    ctx: SplitEnumeratorContext<PulsarPartitionSplit>,
    state: PulsarSourceEnumState | undefined,
  ): PulsarSourceEnumerator {
    const o = this.options;
    const client = createPulsarClient(o);
    return new PulsarSourceEnumerator(
      ctx,
      {
        client,
        discoverer: new PulsarTopicDiscoverer(client, o.topics, o.topicPattern),
        resolver: new PulsarPositionResolver(client, o.subscriptionName, o.startCursor, o.stopCursor),
      },
      {
        shared: isSharedType(o.subscriptionType),
        bounded: this.boundedness === 'bounded',
        // Listed topics can still gain partitions; discovery finds them.
        discoveryIntervalMs: o.partitionDiscoveryIntervalMs,
      },
      state,
    );
  }
}
