import type { KafkaJsBroker } from './kafkajs-internals.js';
import { createErrorFromCode, Encoder, sendRawRequest } from './kafkajs-protocol.js';

/**
 * DescribeTransactions (API key 65, v0; Kafka ≥ 3.0, KIP-664): the state of a transactional id
 * as its coordinator sees it, without side effects — unlike InitProducerId, asking about an id
 * never used does not create it. kafkajs 2.2.4 has no encoder for it, so this module adds the
 * one request (a flexible version: compact strings and tagged fields, written with kafkajs's own
 * Encoder/Decoder and sent on kafkajs's connection).
 *
 * @internal
 */
const API_KEY = 65;
const TRANSACTIONAL_ID_NOT_FOUND = 105;

/** A transaction's state (`Empty`, `Ongoing`, `PrepareCommit`, `CompleteCommit`, …); `undefined`: id unknown. */
export interface DescribedTransaction {
  readonly transactionalId: string;
  readonly state: string | undefined;
  readonly producerId: string;
  readonly producerEpoch: number;
}

/** Whether `broker` (its coordinator, asked via ApiVersions) answers DescribeTransactions. */
export function supportsDescribeTransactions(broker: KafkaJsBroker): boolean {
  const versions = (broker as unknown as { versions?: Record<number, { minVersion: number }> }).versions;
  return versions?.[API_KEY] !== undefined && versions[API_KEY].minVersion === 0;
}

/** Asks `coordinator` (the transaction coordinator of `transactionalId`) for its state. */
export async function describeTransaction(
  coordinator: KafkaJsBroker,
  transactionalId: string,
): Promise<DescribedTransaction> {
  const result = await sendRawRequest(coordinator, {
    apiKey: API_KEY,
    apiVersion: 0,
    apiName: 'DescribeTransactions',
    encode: () =>
      new Encoder()
        // Request header v2 = kafkajs's header v1 + tagged fields: the body starts with them.
        .writeUVarInt(0)
        .writeUVarInt(2)
        .writeUVarIntString(transactionalId)
        .writeUVarInt(0),
    decode: (d) => {
      d.readTaggedFields(); // response header v1
      d.readInt32(); // throttle time
      const states = d.readUVarIntArray((s) => {
        const errorCode = s.readInt16();
        const id = s.readUVarIntString() ?? '';
        const state = s.readUVarIntString() ?? '';
        s.readInt32(); // timeout
        s.readInt64(); // start time
        const producerId = s.readInt64().toString();
        const producerEpoch = s.readInt16();
        s.readUVarIntArray((t) => {
          t.readUVarIntString();
          t.readUVarIntArray((p) => p.readInt32());
          t.readTaggedFields();
          return undefined;
        });
        s.readTaggedFields();
        return { errorCode, transactionalId: id, state, producerId, producerEpoch };
      });
      return states ?? [];
    },
  });
  const entry = result.find((r) => r.transactionalId === transactionalId) ?? result[0];
  if (!entry) throw new Error(`DescribeTransactions answered nothing for ${transactionalId}`);
  if (entry.errorCode === TRANSACTIONAL_ID_NOT_FOUND) {
    return { transactionalId, state: undefined, producerId: '-1', producerEpoch: -1 };
  }
  if (entry.errorCode !== 0) throw createErrorFromCode(entry.errorCode);
  return {
    transactionalId,
    state: entry.state,
    producerId: entry.producerId,
    producerEpoch: entry.producerEpoch,
  };
}
