import { connect, createServer, type Server, type Socket } from 'node:net';
import { hasErrorCode } from '@tributary/core';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaErrorCodes } from '../kafka-error-codes.js';
import { kafkaRecordSerializer } from '../sink/kafka-record-serializer.js';
import { KafkaSink } from '../sink/kafka-sink.js';
import { writerContext } from '../testing-fixtures/kafka-test-contexts.js';
import type { CustomSaslMechanism } from './kafka-client-options.js';

const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
const SASL_AUTHENTICATION_FAILED = 58;

/** What the fake broker saw of the SASL exchange. */
interface SaslExchange {
  handshakeMechanism?: string;
  authBytes?: Buffer;
}

/**
 * A fake broker that speaks just enough of the protocol to authenticate a client (ApiVersions v2,
 * SaslHandshake v1, SaslAuthenticate v0) and refuses every SaslAuthenticate, recording what it got.
 * Unit-test scaffolding: the real-broker tests are in kafka-sasl.int.test.ts.
 */
function fakeSaslBroker(exchange: SaslExchange, sockets: Set<Socket>): Server {
  return createServer((socket: Socket) => {
    sockets.add(socket);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + frame.length);
        const apiKey = frame.readInt16BE(0);
        const correlationId = frame.readInt32BE(4);
        const body = frame.subarray(8 + 2 + frame.readInt16BE(8)); // after the client id
        const reply = (payload: Buffer) => {
          const head = Buffer.alloc(8);
          head.writeInt32BE(4 + payload.length, 0);
          head.writeInt32BE(correlationId, 4);
          socket.write(Buffer.concat([head, payload]));
        };
        if (apiKey === API_VERSIONS) {
          const apis = [
            [API_VERSIONS, 0, 2],
            [SASL_HANDSHAKE, 1, 1],
            [SASL_AUTHENTICATE, 0, 0],
          ];
          const payload = Buffer.alloc(2 + 4 + apis.length * 6 + 4);
          payload.writeInt32BE(apis.length, 2);
          apis.forEach(([key, min, max], i) => {
            payload.writeInt16BE(key as number, 6 + i * 6);
            payload.writeInt16BE(min as number, 8 + i * 6);
            payload.writeInt16BE(max as number, 10 + i * 6);
          });
          reply(payload);
        } else if (apiKey === SASL_HANDSHAKE) {
          const mechanism = body.subarray(2, 2 + body.readInt16BE(0)).toString();
          exchange.handshakeMechanism = mechanism;
          const name = Buffer.from(mechanism);
          const payload = Buffer.alloc(2 + 4 + 2 + name.length);
          payload.writeInt32BE(1, 2);
          payload.writeInt16BE(name.length, 6);
          name.copy(payload, 8);
          reply(payload);
        } else if (apiKey === SASL_AUTHENTICATE) {
          exchange.authBytes = Buffer.from(body.subarray(4, 4 + body.readInt32BE(0)));
          const message = Buffer.from('denied by the fake broker');
          const payload = Buffer.alloc(2 + 2 + message.length + 4);
          payload.writeInt16BE(SASL_AUTHENTICATION_FAILED, 0);
          payload.writeInt16BE(message.length, 2);
          message.copy(payload, 4);
          payload.writeInt32BE(0, 4 + message.length);
          reply(payload);
        } else {
          socket.destroy();
        }
      }
    });
  });
}

/** kafkajs sends what `encode()` returns as the request's BYTES field: length-prefixed. */
function saslFrame(payload: string): Buffer {
  const data = Buffer.from(payload);
  const length = Buffer.alloc(4);
  length.writeInt32BE(data.length);
  return Buffer.concat([length, data]);
}

describe('custom SASL mechanisms and socketFactory reach kafkajs unchanged', () => {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  it('AWS MSK IAM-style mechanism: its name goes into the handshake and its authenticator runs over the socketFactory connection', async () => {
    const exchange: SaslExchange = {};
    server = fakeSaslBroker(exchange, sockets);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const dialed: string[] = [];
    const authenticated: string[] = [];
    // The shape of an MSK IAM mechanism package's `createMechanism(...)`: a name and a provider.
    const mskIam: CustomSaslMechanism = {
      mechanism: 'AWS_MSK_IAM',
      authenticationProvider: ({ host, saslAuthenticate }) => ({
        async authenticate() {
          authenticated.push(host);
          await saslAuthenticate({
            request: { encode: () => saslFrame('{"action":"kafka-cluster:Connect"}') },
          });
        },
      }),
    };
    const sink = new KafkaSink<string>(
      {
        // An unresolvable host: only the socket factory can reach the fake broker.
        brokers: ['msk-broker.invalid:9098'],
        sasl: mskIam,
        socketFactory: ({ host, port: brokerPort, onConnect }) => {
          dialed.push(`${host}:${brokerPort}`);
          return connect({ host: '127.0.0.1', port }, onConnect);
        },
        retries: 0,
      },
      kafkaRecordSerializer({ topic: 'unused', value: (v: string) => v }),
    );
    const error = await sink.createWriter(writerContext()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(dialed[0]).toBe('msk-broker.invalid:9098');
    expect(authenticated[0]).toBe('msk-broker.invalid');
    expect(exchange.handshakeMechanism).toBe('AWS_MSK_IAM');
    expect(exchange.authBytes?.toString()).toBe('{"action":"kafka-cluster:Connect"}');
    expect(hasErrorCode(error, KafkaErrorCodes.AUTH_FAILED)).toBe(true);
    expect(String((error as Error).message)).toContain('denied by the fake broker');
  });
});
