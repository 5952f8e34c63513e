import { describe, expect, it } from 'vitest';
import { Encoder, type KafkaJsEncoder } from './flexible-request.js';
import type { KafkaJsBroker } from './kafkajs-internals.js';
import { describeTopics, supportsTopicIds } from './topic-metadata.js';

const ORDERS_ID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

/**
 * A Metadata v12 response body (after the correlation id), field by field as in Kafka's
 * MetadataResponse.json: one broker, topic `orders` (2 partitions, an id) and an unknown topic.
 */
function metadataV12Response(): Buffer {
  const e = new Encoder()
    .writeUVarInt(0) // response header tagged fields
    .writeInt32(0) // throttle time
    .writeUVarInt(2) // brokers: 1
    .writeInt32(1)
    .writeUVarIntString('127.0.0.1')
    .writeInt32(9092)
    .writeUVarIntString(null) // rack
    .writeUVarInt(0)
    .writeUVarIntString('cluster-1')
    .writeInt32(1) // controller
    .writeUVarInt(3); // topics: 2
  e.writeInt16(0).writeUVarIntString('orders').writeBuffer(ORDERS_ID).writeInt8(0).writeUVarInt(3);
  for (const partition of [0, 1]) {
    e.writeInt16(0).writeInt32(partition).writeInt32(1).writeInt32(0);
    for (let list = 0; list < 3; list++) {
      if (list === 2) e.writeUVarInt(1);
      else e.writeUVarInt(2).writeInt32(1);
    }
    e.writeUVarInt(0);
  }
  e.writeInt32(-2147483648).writeUVarInt(0);
  e.writeInt16(3).writeUVarIntString('gone').writeBuffer(Buffer.alloc(16)).writeInt8(0).writeUVarInt(1);
  e.writeInt32(-2147483648).writeUVarInt(0);
  e.writeUVarInt(0);
  return e.buffer;
}

/** A broker whose connection answers every request with `response`; `sent` gets the request bodies. */
function fakeBroker(response: Buffer, sent: Buffer[]): KafkaJsBroker {
  return {
    versions: { 3: { minVersion: 0, maxVersion: 12 } },
    connectionPool: {
      send: async ({
        request,
        response: r,
      }: {
        request: { apiVersion: number; encode(): Promise<KafkaJsEncoder> };
        response: { decode(raw: Buffer): Promise<unknown>; parse(d: unknown): Promise<unknown> };
      }) => {
        expect(request.apiVersion).toBe(12);
        sent.push((await request.encode()).buffer);
        return r.parse(await r.decode(response));
      },
    },
  } as unknown as KafkaJsBroker;
}

describe('describeTopics (Metadata v12)', () => {
  it('asks by name with a zero topic id, no auto creation; reads ids, partition counts and unknown topics', async () => {
    const sent: Buffer[] = [];
    const broker = fakeBroker(metadataV12Response(), sent);
    expect(supportsTopicIds(broker)).toBe(true);
    const described = await describeTopics(broker, ['orders', 'gone', 'unanswered']);
    expect(described.get('orders')).toEqual({
      exists: true,
      topicId: '00112233445566778899aabbccddeeff',
      partitions: 2,
    });
    expect(described.get('gone')).toEqual({ exists: false });
    expect(described.get('unanswered')).toEqual({ exists: false });
    // header tagged fields, 3 topics (+1), then per topic: 16 zero bytes, the name, tagged fields.
    const body = sent[0] as Buffer;
    expect([...body.subarray(0, 2)]).toEqual([0, 4]);
    expect(body.subarray(2, 18).equals(Buffer.alloc(16))).toBe(true);
    expect(body.subarray(19, 25).toString()).toBe('orders');
    // allow_auto_topic_creation false, include_topic_authorized_operations false, tagged fields.
    expect([...body.subarray(body.length - 3)]).toEqual([0, 0, 0]);
  });

  it('does not use Metadata v12 on a broker without it (Kafka < 3.1)', () => {
    const old = { versions: { 3: { minVersion: 0, maxVersion: 9 } } } as unknown as KafkaJsBroker;
    expect(supportsTopicIds(old)).toBe(false);
  });
});
