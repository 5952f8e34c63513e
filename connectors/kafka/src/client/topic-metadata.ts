import {
  createErrorFromCode,
  type KafkaJsDecoder,
  maxApiVersion,
  sendFlexibleRequest,
} from './flexible-request.js';
import type { KafkaJsBroker, KafkaJsCluster } from './kafkajs-internals.js';

/**
 * Metadata v12 (API key 3, flexible; Kafka ≥ 3.1): whether topics exist, their partition counts
 * and their **topic ids** (KIP-516). kafkajs 2.2.4 speaks Metadata up to v6, which has no ids, and
 * throws on the first unknown topic of a request (so one deleted topic hides every other's
 * metadata). A topic deleted and created again under the same name gets a new id: the source
 * compares ids to tell "recreated" from "still the same topic" instead of reading the new topic
 * from an offset of the old one. Written with kafkajs's own Encoder/Decoder, sent on kafkajs's
 * connection (`flexible-request.ts`).
 *
 * @internal
 */
const API_KEY = 3;
const VERSION = 12;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
/** The all-zero id: "no id" in requests (topics are named) and from brokers that have none. */
const ZERO_UUID = Buffer.alloc(16);

/** One topic as the cluster describes it now. */
export type TopicDescription =
  | { readonly exists: false }
  | {
      readonly exists: true;
      /** The topic id (32 hex digits); undefined when the cluster has none (ids came with KIP-516). */
      readonly topicId: string | undefined;
      readonly partitions: number;
    };

/** Whether `broker` answers Metadata v12 (ApiVersions). */
export function supportsTopicIds(broker: KafkaJsBroker): boolean {
  return maxApiVersion(broker, API_KEY) >= VERSION;
}

/**
 * Any connected broker of `cluster` (metadata is answered by every broker): kafkajs's broker
 * pool picks one, connecting to another when needed.
 */
export function anyBroker(cluster: KafkaJsCluster): Promise<KafkaJsBroker> {
  const pool = (cluster as unknown as { brokerPool: { findConnectedBroker(): Promise<KafkaJsBroker> } })
    .brokerPool;
  return pool.findConnectedBroker();
}

/**
 * Removes `topic` from the topics kafkajs keeps metadata for: kafkajs refreshes all of them in one
 * request and fails the whole refresh on an unknown topic, so a deleted topic the source no
 * longer reads would keep every other topic's metadata (moved leaders) from being refreshed.
 */
export function forgetTargetTopic(cluster: KafkaJsCluster, topic: string): void {
  (cluster as unknown as { targetTopics?: Set<string> }).targetTopics?.delete(topic);
}

/**
 * Describes `topics` with one Metadata v12 request to `broker`. Unknown topics come back as
 * `{ exists: false }`; any other topic error (authorization, …) is thrown as kafkajs's error.
 */
export async function describeTopics(
  broker: KafkaJsBroker,
  topics: readonly string[],
): Promise<Map<string, TopicDescription>> {
  const answered = await sendFlexibleRequest(
    broker,
    { apiKey: API_KEY, apiVersion: VERSION, apiName: 'Metadata' },
    (encoder) => {
      encoder.writeUVarInt(topics.length + 1);
      for (const name of topics) encoder.writeBuffer(ZERO_UUID).writeUVarIntString(name).writeUVarInt(0);
      // allow_auto_topic_creation, include_topic_authorized_operations, tagged fields.
      return encoder.writeBoolean(false).writeBoolean(false).writeUVarInt(0);
    },
    decodeTopics,
  );
  const described = new Map<string, TopicDescription>();
  for (const topic of answered) {
    if (topic.errorCode === UNKNOWN_TOPIC_OR_PARTITION) {
      described.set(topic.name, { exists: false });
    } else if (topic.errorCode !== 0) {
      throw createErrorFromCode(topic.errorCode);
    } else {
      described.set(topic.name, {
        exists: true,
        topicId: topic.topicId.equals(ZERO_UUID) ? undefined : topic.topicId.toString('hex'),
        partitions: topic.partitions,
      });
    }
  }
  // A broker answers every topic asked about; one it left out is unknown to it.
  for (const name of topics) if (!described.has(name)) described.set(name, { exists: false });
  return described;
}

function decodeTopics(
  d: KafkaJsDecoder,
): { errorCode: number; name: string; topicId: Buffer; partitions: number }[] {
  d.readInt32(); // throttle time
  d.readUVarIntArray((b) => {
    b.readInt32(); // node id
    b.readUVarIntString(); // host
    b.readInt32(); // port
    b.readUVarIntString(); // rack
    b.readTaggedFields();
    return undefined;
  });
  d.readUVarIntString(); // cluster id
  d.readInt32(); // controller id
  const topics =
    d.readUVarIntArray((t) => {
      const errorCode = t.readInt16();
      const name = t.readUVarIntString() ?? '';
      const topicId = Buffer.from(t.readBytes(16));
      t.readBoolean(); // is internal
      const partitions =
        t.readUVarIntArray((p) => {
          p.readInt16(); // error code
          p.readInt32(); // partition index
          p.readInt32(); // leader
          p.readInt32(); // leader epoch
          for (let i = 0; i < 3; i++) p.readUVarIntArray((n) => n.readInt32()); // replicas, isr, offline
          p.readTaggedFields();
          return undefined;
        }) ?? [];
      t.readInt32(); // topic authorized operations
      t.readTaggedFields();
      return { errorCode, name, topicId, partitions: partitions.length };
    }) ?? [];
  d.readTaggedFields();
  return topics;
}
