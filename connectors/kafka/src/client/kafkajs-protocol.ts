import { createRequire } from 'node:module';
import type { KafkaJsBroker } from './kafkajs-internals.js';

/**
 * kafkajs's own wire Encoder / Decoder and error table, for the few requests kafkajs 2.2.4 has no
 * encoder for (`describe-transactions.ts`, `topic-metadata.ts`), and the one way they are sent: on
 * kafkajs's connection to a broker, so TLS, SASL, correlation ids and timeouts stay kafkajs's.
 *
 * @internal
 */
const require = createRequire(import.meta.url);

/** The Encoder methods these requests use (kafkajs's `protocol/encoder`). */
export type ProtocolEncoder = {
  writeInt8(n: number): ProtocolEncoder;
  writeInt16(n: number): ProtocolEncoder;
  writeInt32(n: number): ProtocolEncoder;
  writeBoolean(b: boolean): ProtocolEncoder;
  writeBuffer(b: Buffer): ProtocolEncoder;
  writeUVarInt(n: number): ProtocolEncoder;
  writeUVarIntString(s: string | null): ProtocolEncoder;
  readonly buffer: Buffer;
};

/** The Decoder methods these responses use (kafkajs's `protocol/decoder`). */
export type ProtocolDecoder = {
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readBoolean(): boolean;
  readBytes(n: number): Buffer;
  readUVarInt(): number;
  readUVarIntString(): string | null;
  readUVarIntArray<R>(reader: (d: ProtocolDecoder) => R): R[] | null;
  readTaggedFields(): unknown;
};

export const Encoder = require('kafkajs/src/protocol/encoder') as new () => ProtocolEncoder;
export const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => ProtocolDecoder;
export const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode(code: number): Error;
};

/** One request the caller encodes and whose response (after the correlation id) it decodes. */
export interface RawRequest<R> {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly apiName: string;
  /** The body; a flexible version starts with the request header's tagged fields (`writeUVarInt(0)`). */
  encode(): ProtocolEncoder;
  /** A flexible version starts with the response header's tagged fields. */
  decode(decoder: ProtocolDecoder): R;
}

interface ConnectionPool {
  send(request: {
    request: { apiKey: number; apiVersion: number; apiName: string; encode(): Promise<ProtocolEncoder> };
    response: { decode(raw: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown> };
  }): Promise<unknown>;
}

/** Sends `request` on kafkajs's connection to `broker` and returns the decoded response. */
export async function sendRawRequest<R>(broker: KafkaJsBroker, request: RawRequest<R>): Promise<R> {
  const pool = (broker as unknown as { connectionPool: ConnectionPool }).connectionPool;
  return (await pool.send({
    request: {
      apiKey: request.apiKey,
      apiVersion: request.apiVersion,
      apiName: request.apiName,
      encode: async () => request.encode(),
    },
    response: { decode: async (raw) => request.decode(new Decoder(raw)), parse: async (data) => data },
  })) as R;
}

/** The highest version of API `apiKey` that `broker` answers (ApiVersions), or -1. */
export function maxApiVersion(broker: KafkaJsBroker, apiKey: number): number {
  const versions = (broker as unknown as { versions?: Record<number, { maxVersion: number }> }).versions;
  return versions?.[apiKey]?.maxVersion ?? -1;
}
