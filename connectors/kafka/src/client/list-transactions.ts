import { createErrorFromCode, sendFlexibleRequest, supportsApiV0 } from './flexible-request.js';
import type { KafkaJsBroker, KafkaJsCluster } from './kafkajs-internals.js';

/**
 * ListTransactions (API key 66, v0; Kafka ≥ 3.0, KIP-664): the transactional ids each broker
 * coordinates, filtered by state. Every broker answers for the `__transaction_state` partitions
 * it leads, so the request goes to all of them. Only ids the principal may describe are listed.
 *
 * @internal
 */
const API = { apiKey: 66, apiVersion: 0, apiName: 'ListTransactions' } as const;

/** One listed transaction. */
export interface ListedTransaction {
  readonly transactionalId: string;
  readonly producerId: string;
  readonly state: string;
}

/** Whether `broker` answers ListTransactions. */
export function supportsListTransactions(broker: KafkaJsBroker): boolean {
  return supportsApiV0(broker, API.apiKey);
}

/** Asks one broker for the transactions it coordinates in `states` (all states when empty). */
export async function listBrokerTransactions(
  broker: KafkaJsBroker,
  states: readonly string[],
): Promise<ListedTransaction[]> {
  const { errorCode, transactions } = await sendFlexibleRequest(
    broker,
    API,
    (e) => {
      e.writeUVarInt(states.length + 1);
      for (const state of states) e.writeUVarIntString(state);
      return e.writeUVarInt(1).writeUVarInt(0); // no producer id filter; tagged fields
    },
    (d) => {
      d.readInt32(); // throttle time
      const errorCode = d.readInt16();
      d.readUVarIntArray((s) => s.readUVarIntString()); // unknown state filters
      const transactions =
        d.readUVarIntArray((t) => {
          const transactionalId = t.readUVarIntString() ?? '';
          const producerId = t.readInt64().toString();
          const state = t.readUVarIntString() ?? '';
          t.readTaggedFields();
          return { transactionalId, producerId, state };
        }) ?? [];
      return { errorCode, transactions };
    },
  );
  if (errorCode !== 0) throw createErrorFromCode(errorCode);
  return transactions;
}

/**
 * The transactions of the whole cluster in `states`, or `undefined` when a broker does not answer
 * ListTransactions (Kafka < 3.0): the caller falls back to probing the ids it knows.
 */
export async function listTransactions(
  cluster: KafkaJsCluster,
  states: readonly string[],
): Promise<ListedTransaction[] | undefined> {
  await cluster.refreshMetadataIfNecessary();
  const brokers = await Promise.all(cluster.getNodeIds().map((nodeId) => cluster.findBroker({ nodeId })));
  if (brokers.length === 0 || !brokers.every(supportsListTransactions)) return undefined;
  const lists = await Promise.all(brokers.map((broker) => listBrokerTransactions(broker, states)));
  return lists.flat();
}
