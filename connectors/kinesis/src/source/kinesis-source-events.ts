import type { SourceEvents } from '@tributary/core';

/** Reader → enumerator: these shards were read to their end (their children may start). */
export const SHARDS_FINISHED_EVENT = 'kinesis-shards-finished';
/** Enumerator → reader: the end of these shards is recorded. */
export const SHARDS_FINISHED_ACK_EVENT = 'kinesis-shards-finished-ack';

/** The Kinesis source's events: readers report ended shards, the enumerator acknowledges them. */
export type KinesisSourceEvents = SourceEvents<
  { readonly type: typeof SHARDS_FINISHED_ACK_EVENT; readonly shardIds: readonly string[] },
  { readonly type: typeof SHARDS_FINISHED_EVENT; readonly shardIds: readonly string[] }
>;
