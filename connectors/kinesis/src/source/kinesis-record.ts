import type { DeserializationSchema } from '@tributary/core';

/** One record read from a shard (a user record, after de-aggregation when enabled). */
export interface KinesisRecord {
  readonly stream: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Index of the user record inside a KPL-aggregated record; undefined for plain records. */
  readonly subSequenceNumber: number | undefined;
  readonly partitionKey: string;
  readonly explicitHashKey: string | undefined;
  /** `ApproximateArrivalTimestamp` in ms since the epoch: the record's event time. */
  readonly arrivalTimestamp: number;
  readonly data: Uint8Array;
}

/** Turns a Kinesis record into the source's value; `undefined` skips the record. */
export interface KinesisRecordDeserializer<T> {
  deserialize(record: KinesisRecord): T | undefined;
}

/** A deserializer that reads only the data with a format's schema. */
export function valueOnly<T>(schema: DeserializationSchema<T>): KinesisRecordDeserializer<T> {
  return { deserialize: (record) => schema.deserialize(record.data) };
}
