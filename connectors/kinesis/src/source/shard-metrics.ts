import type { _Record } from '@aws-sdk/client-kinesis';
import type { MetricGroup, SourceReaderMetricGroup } from '@tributary/core';

interface ShardGauges {
  millisBehindLatest: number | undefined;
  readonly group: MetricGroup;
}

/**
 * Per-shard metrics of a reader: `millisBehindLatest` (from GetRecords) and a throttling
 * counter under a `shard` label, plus the reader-level `millisBehindLatest` (the largest over its
 * shards: how far the reader is behind the stream's tip) and `currentFetchEventTimeLag` (fetch
 * time minus the arrival time of the last fetched record).
 */
export class ShardMetrics {
  private readonly shards = new Map<string, ShardGauges>();
  private readonly throttled;

  constructor(private readonly group: SourceReaderMetricGroup) {
    this.throttled = group.counter('throttledGetRecords');
    group.gauge('millisBehindLatest', () => {
      let max: number | undefined;
      for (const s of this.shards.values())
        if (s.millisBehindLatest !== undefined) max = Math.max(max ?? 0, s.millisBehindLatest);
      return max ?? 0;
    });
  }

  recordFetch(shardId: string, millisBehindLatest: number | undefined, records: readonly _Record[]): void {
    const shard = this.shard(shardId);
    if (millisBehindLatest !== undefined) shard.millisBehindLatest = millisBehindLatest;
    const last = records[records.length - 1]?.ApproximateArrivalTimestamp;
    if (last !== undefined) this.group.recordFetchEventTimeLag(Math.max(0, Date.now() - last.getTime()));
  }

  recordThrottled(_shardId: string): void {
    this.throttled.inc();
  }

  /** Drops the gauges of an ended shard. */
  remove(shardId: string): void {
    const shard = this.shards.get(shardId);
    if (shard === undefined) return;
    this.shards.delete(shardId);
    shard.group.close();
  }

  private shard(shardId: string): ShardGauges {
    let shard = this.shards.get(shardId);
    if (shard === undefined) {
      const group = this.group.addGroup('shard', shardId);
      const created: ShardGauges = { millisBehindLatest: undefined, group };
      group.gauge('millisBehindLatest', () => created.millisBehindLatest ?? 0);
      this.shards.set(shardId, created);
      shard = created;
    }
    return shard;
  }
}
