import { CollectionSource, CollectSink, createJsonLogger, hasErrorCode, Pipeline } from '@tributary/core';
import { type KafkaService, unsecuredKafkaToken, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomSaslMechanism } from './client/kafka-client-options.js';
import { KafkaErrorCodes } from './kafka-error-codes.js';
import { kafkaRecordSerializer } from './sink/kafka-record-serializer.js';
import { KafkaSink } from './sink/kafka-sink.js';
import { utf8Schema, valueOnly } from './source/kafka-record-deserializer.js';
import { KafkaSource } from './source/kafka-source.js';
import { writeOneTransaction, writerContext } from './testing-fixtures/kafka-test-contexts.js';

describe('SASL PLAIN, SCRAM and OAUTHBEARER (real broker, SASL_PLAINTEXT listener)', () => {
  let kafka: KafkaService;
  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  const sasl = (mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512', password?: string) => ({
    mechanism,
    username: kafka.connection.sasl.username,
    password: password ?? kafka.connection.sasl.password,
  });

  it('writes exactly-once with SCRAM-SHA-512 and reads back with SCRAM-SHA-256', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const brokers = [...kafka.connection.saslBrokers];
    const values = Array.from({ length: 50 }, (_, i) => `scram-${i}`);
    const sink = new KafkaSink<string>(
      {
        brokers,
        sasl: sasl('scram-sha-512'),
        deliveryGuarantee: 'exactly-once',
        transactionalIdPrefix: `${topic}-w`,
      },
      kafkaRecordSerializer({ topic, key: (v: string) => v, value: (v: string) => v }),
    );
    expect(await writeOneTransaction(sink, values)).toEqual([{ kind: 'success' }]);

    using out = CollectSink.create<string>();
    await Pipeline.from(
      new KafkaSource(
        { brokers, sasl: sasl('scram-sha-256'), topics: [topic], stoppingOffsets: 'latest' },
        valueOnly(utf8Schema),
      ),
    )
      .sinkTo(out.sink)
      .execute({ parallelism: 2 });
    expect(out.results().sort()).toEqual([...values].sort());
  });

  it('writes and reads back with SASL PLAIN', async () => {
    const topic = await kafka.createTopic({ partitions: 1 });
    const brokers = [...kafka.connection.saslBrokers];
    const values = Array.from({ length: 30 }, (_, i) => `plain-${i}`);
    await Pipeline.from(CollectionSource.of(values))
      .sinkTo(
        new KafkaSink<string>(
          { brokers, sasl: sasl('plain'), deliveryGuarantee: 'at-least-once' },
          kafkaRecordSerializer({ topic, value: (v: string) => v }),
        ),
      )
      .execute();
    using out = CollectSink.create<string>();
    await Pipeline.from(
      new KafkaSource(
        { brokers, sasl: sasl('plain'), topics: [topic], stoppingOffsets: 'latest' },
        valueOnly(utf8Schema),
      ),
    )
      .sinkTo(out.sink)
      .execute();
    expect(out.results()).toEqual(values);
  });

  it('a wrong password fails with TRIB_KAFKA_AUTH_FAILED and the password appears in no error or log line', async () => {
    const secret = 'not-the-password-9f3a';
    const lines: string[] = [];
    const logger = createJsonLogger({ level: 'debug', write: (line) => lines.push(line) });
    const sink = new KafkaSink<string>(
      { brokers: [...kafka.connection.saslBrokers], sasl: sasl('scram-sha-256', secret), retries: 0 },
      kafkaRecordSerializer({ topic: 'unused', value: (v: string) => v }),
    );
    const error = await sink.createWriter(writerContext({ logger })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, KafkaErrorCodes.AUTH_FAILED)).toBe(true);
    expect((error as { retriable: boolean }).retriable).toBe(false);
    const visible = [
      String((error as Error).message),
      JSON.stringify((error as { toJSON(): unknown }).toJSON()),
      JSON.stringify((error as { context: unknown }).context),
      ...lines,
    ].join('\n');
    expect(visible).not.toContain(secret);
  });

  it('writes exactly-once and reads back with OAUTHBEARER (token provider called per connection)', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const brokers = [...kafka.connection.saslBrokers];
    let tokens = 0;
    // The broker validates unsigned tokens (Kafka's default unsecured validator): `sub` is the principal.
    const fetchToken = async () => {
      tokens++;
      return unsecuredKafkaToken({ principal: kafka.connection.sasl.username });
    };
    const values = Array.from({ length: 40 }, (_, i) => `oauth-${i}`);
    // #region oauthbearer
    const sasl = {
      mechanism: 'oauthbearer' as const,
      // Called per broker connection: return a cached token, refreshed before it expires.
      oauthBearerProvider: async () => ({ value: await fetchToken() }),
    };
    const sink = new KafkaSink<string>(
      { brokers, sasl, deliveryGuarantee: 'exactly-once', transactionalIdPrefix: `${topic}-w` },
      kafkaRecordSerializer({ topic, key: (v: string) => v, value: (v: string) => v }),
    );
    // #endregion oauthbearer
    expect(await writeOneTransaction(sink, values)).toEqual([{ kind: 'success' }]);
    using out = CollectSink.create<string>();
    await Pipeline.from(
      new KafkaSource({ brokers, sasl, topics: [topic], stoppingOffsets: 'latest' }, valueOnly(utf8Schema)),
    )
      .sinkTo(out.sink)
      .execute({ parallelism: 2 });
    expect(out.results().sort()).toEqual([...values].sort());
    expect(tokens).toBeGreaterThan(0);
  });

  it('passes a custom mechanism through to kafkajs: OAUTHBEARER written outside kafkajs authenticates', async () => {
    // The way AWS MSK IAM plugs in: a mechanism name and an authenticator sending SaslAuthenticate
    // frames itself. Here the frames are OAUTHBEARER's (RFC 7628 client first message).
    const topic = await kafka.createTopic();
    const brokers = [...kafka.connection.saslBrokers];
    const token = unsecuredKafkaToken({ principal: kafka.connection.sasl.username });
    let authentications = 0;
    const sasl = {
      mechanism: 'OAUTHBEARER',
      authenticationProvider: ({
        saslAuthenticate,
      }: Parameters<CustomSaslMechanism['authenticationProvider']>[0]) => ({
        async authenticate() {
          authentications++;
          // kafkajs sends `encode()`'s bytes as they are: a length-prefixed SASL frame.
          const message = Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`);
          const frame = Buffer.alloc(4 + message.length);
          frame.writeInt32BE(message.length);
          message.copy(frame, 4);
          await saslAuthenticate({ request: { encode: () => frame } });
        },
      }),
    };
    await Pipeline.from(CollectionSource.of(['custom-1', 'custom-2']))
      .sinkTo(
        new KafkaSink<string>({ brokers, sasl }, kafkaRecordSerializer({ topic, value: (v: string) => v })),
      )
      .execute();
    using out = CollectSink.create<string>();
    await Pipeline.from(
      new KafkaSource({ brokers, sasl, topics: [topic], stoppingOffsets: 'latest' }, valueOnly(utf8Schema)),
    )
      .sinkTo(out.sink)
      .execute();
    expect(out.results()).toEqual(['custom-1', 'custom-2']);
    expect(authentications).toBeGreaterThan(0);
  });
});
