import { createRequire } from 'node:module';
import type { KafkaJsBroker } from './kafkajs-internals.js';

/**
 * Sends one request kafkajs 2.2.4 has no encoder for (admin APIs of Kafka ≥ 3.0, all flexible
 * versions: compact strings and tagged fields) on kafkajs's own connection, written with
 * kafkajs's own Encoder/Decoder.
 *
 * @internal
 */
const require = createRequire(import.meta.url);

/** The subset of kafkajs's Encoder the requests use. */
export type KafkaJsEncoder = {
  writeInt8(n: number): KafkaJsEncoder;
  writeInt16(n: number): KafkaJsEncoder;
  writeInt32(n: number): KafkaJsEncoder;
  writeInt64(n: string | number): KafkaJsEncoder;
  writeBoolean(b: boolean): KafkaJsEncoder;
  writeBuffer(b: Buffer): KafkaJsEncoder;
  writeUVarInt(n: number): KafkaJsEncoder;
  writeUVarIntString(s: string | null): KafkaJsEncoder;
  readonly buffer: Buffer;
};

/** The subset of kafkajs's Decoder the responses use. */
export type KafkaJsDecoder = {
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readBoolean(): boolean;
  readBytes(n: number): Buffer;
  readUVarInt(): number;
  readUVarIntString(): string | null;
  readUVarIntArray<R>(reader: (d: KafkaJsDecoder) => R): R[] | null;
  readTaggedFields(): unknown;
};

/** kafkajs's Encoder (exported for tests that build responses byte by byte). */
export const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkaJsEncoder;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => KafkaJsDecoder;
const { createErrorFromCode: fromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode(code: number): Error;
};

/** kafkajs's error for a protocol error code (with its `type`, e.g. `NOT_COORDINATOR`). */
export function createErrorFromCode(code: number): Error {
  return fromCode(code);
}

interface ConnectionPool {
  send(request: {
    request: { apiKey: number; apiVersion: number; apiName: string; encode(): Promise<KafkaJsEncoder> };
    response: { decode(raw: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown> };
  }): Promise<unknown>;
}

/** Whether `broker` (asked via ApiVersions on connect) answers version 0 of `apiKey`. */
export function supportsApiV0(broker: KafkaJsBroker, apiKey: number): boolean {
  const versions = (broker as unknown as { versions?: Record<number, { minVersion: number }> }).versions;
  return versions?.[apiKey] !== undefined && versions[apiKey].minVersion === 0;
}

/** The highest version of API `apiKey` that `broker` answers (ApiVersions), or -1. */
export function maxApiVersion(broker: KafkaJsBroker, apiKey: number): number {
  const versions = (broker as unknown as { versions?: Record<number, { maxVersion: number }> }).versions;
  return versions?.[apiKey]?.maxVersion ?? -1;
}

/**
 * Sends a flexible-version request to `broker`: `writeBody` writes the body after the request
 * header's tagged fields, `readBody` reads the body after the response header's.
 */
export async function sendFlexibleRequest<R>(
  broker: KafkaJsBroker,
  api: { readonly apiKey: number; readonly apiVersion: number; readonly apiName: string },
  writeBody: (encoder: KafkaJsEncoder) => KafkaJsEncoder,
  readBody: (decoder: KafkaJsDecoder) => R,
): Promise<R> {
  const pool = (broker as unknown as { connectionPool: ConnectionPool }).connectionPool;
  return (await pool.send({
    request: {
      ...api,
      // Request header v2 = kafkajs's header v1 + tagged fields: the body starts with them.
      encode: async () => writeBody(new Encoder().writeUVarInt(0)),
    },
    response: {
      decode: async (raw) => {
        const decoder = new Decoder(raw);
        decoder.readTaggedFields(); // response header v1
        return readBody(decoder);
      },
      parse: async (data) => data,
    },
  })) as R;
}
