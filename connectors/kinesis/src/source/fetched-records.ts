import type { _Record } from '@aws-sdk/client-kinesis';
import type { KinesisRecord } from './kinesis-record.js';
import type { KinesisShardSplit } from './kinesis-shard-split.js';
import { deaggregate } from './kpl-aggregation.js';

/**
 * Converts (and, when asked, de-aggregates) fetched records, skipping the sub-records already
 * emitted before a restore inside an aggregated record. Shared by the polling and fan-out readers.
 */
export function toKinesisRecords(
  stream: string,
  split: KinesisShardSplit,
  raw: readonly _Record[],
  deaggregateRecords: boolean,
): KinesisRecord[] {
  const out: KinesisRecord[] = [];
  const resumeSub = split.position.type === 'after-sequence-number' ? split.position : undefined;
  for (const r of raw) {
    const base = {
      stream,
      shardId: split.shardId,
      sequenceNumber: r.SequenceNumber as string,
      partitionKey: r.PartitionKey as string,
      arrivalTimestamp: r.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
    };
    const data = r.Data ?? new Uint8Array();
    const users = deaggregateRecords
      ? deaggregate(data, base.partitionKey, split.shardId, base.sequenceNumber)
      : undefined;
    if (users === undefined) {
      out.push({ ...base, subSequenceNumber: undefined, explicitHashKey: undefined, data });
      continue;
    }
    for (let sub = 0; sub < users.length; sub++) {
      if (
        resumeSub?.sub !== undefined &&
        resumeSub.sequenceNumber === base.sequenceNumber &&
        sub <= resumeSub.sub
      )
        continue;
      const user = users[sub] as (typeof users)[number];
      out.push({ ...base, ...user, subSequenceNumber: sub });
    }
  }
  return out;
}

/**
 * Applies a bounded split's stop: records that arrived after `stopAtTimestamp` are cut and end
 * the split; an empty answer at the tip, asked after the stop time, ends it too.
 */
export function applyStop(
  split: KinesisShardSplit,
  records: KinesisRecord[],
  fetchedNothing: boolean,
  caughtUp: boolean,
  askedAt: number,
): { records: KinesisRecord[]; stopped: boolean } {
  const stop = split.stopAtTimestamp;
  if (stop === undefined) return { records, stopped: false };
  const cut = records.findIndex((r) => r.arrivalTimestamp > stop);
  if (cut >= 0) return { records: records.slice(0, cut), stopped: true };
  return { records, stopped: fetchedNothing && caughtUp && askedAt > stop };
}
