import { createErrorFromCode, sendFlexibleRequest, supportsApiV0 } from './flexible-request.js';
import type { KafkaJsBroker } from './kafkajs-internals.js';

/**
 * DescribeTransactions (API key 65, v0; Kafka ≥ 3.0, KIP-664): the state of a transactional id
 * as its coordinator sees it, without side effects — unlike InitProducerId, asking about an id
 * never used does not create it. kafkajs 2.2.4 has no encoder for it (see flexible-request.ts).
 *
 * @internal
 */
const API = { apiKey: 65, apiVersion: 0, apiName: 'DescribeTransactions' } as const;
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
  return supportsApiV0(broker, API.apiKey);
}

/** Asks `coordinator` (the transaction coordinator of `transactionalId`) for its state. */
export async function describeTransaction(
  coordinator: KafkaJsBroker,
  transactionalId: string,
): Promise<DescribedTransaction> {
  return (await describeTransactions(coordinator, [transactionalId]))[0] as DescribedTransaction;
}

/**
 * Asks `coordinator` for the states of `transactionalIds` (all coordinated by it) in one request;
 * the answers come in the order of the ids. One round trip however many ids a writer looks at.
 */
export async function describeTransactions(
  coordinator: KafkaJsBroker,
  transactionalIds: readonly string[],
): Promise<DescribedTransaction[]> {
  if (transactionalIds.length === 0) return [];
  const result = await sendFlexibleRequest(
    coordinator,
    API,
    (e) => {
      e.writeUVarInt(transactionalIds.length + 1);
      for (const id of transactionalIds) e.writeUVarIntString(id);
      return e.writeUVarInt(0);
    },
    (d) => {
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
  );
  const byId = new Map(result.map((r) => [r.transactionalId, r]));
  return transactionalIds.map((transactionalId) => {
    const entry = byId.get(transactionalId) ?? (transactionalIds.length === 1 ? result[0] : undefined);
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
  });
}
