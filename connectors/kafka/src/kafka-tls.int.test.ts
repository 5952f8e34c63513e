import { CollectSink, createJsonLogger, hasErrorCode, Pipeline } from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaErrorCodes } from './kafka-error-codes.js';
import { kafkaRecordSerializer } from './sink/kafka-record-serializer.js';
import { KafkaSink } from './sink/kafka-sink.js';
import { utf8Schema, valueOnly } from './source/kafka-record-deserializer.js';
import { KafkaSource } from './source/kafka-source.js';
import { writeOneTransaction, writerContext } from './testing-fixtures/kafka-test-contexts.js';

describe('TLS (real broker, SSL listener with a self-signed certificate)', () => {
  let kafka: KafkaService;
  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  it('writes exactly-once and reads back over TLS, trusting the broker certificate as CA', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const { brokers, caPem } = kafka.tls;
    const ssl = { ca: caPem };
    const values = Array.from({ length: 200 }, (_, i) => `tls-${i}`);
    const sink = new KafkaSink<string>(
      { brokers: [...brokers], ssl, deliveryGuarantee: 'exactly-once', transactionalIdPrefix: `${topic}-w` },
      kafkaRecordSerializer({ topic, key: (v: string) => v, value: (v: string) => v }),
    );
    expect(await writeOneTransaction(sink, values)).toEqual([{ kind: 'success' }]);

    using out = CollectSink.create<string>();
    await Pipeline.from(
      new KafkaSource(
        { brokers: [...brokers], ssl, topics: [topic], stoppingOffsets: 'latest' },
        valueOnly(utf8Schema),
      ),
    )
      .sinkTo(out.sink)
      .execute({ parallelism: 2 });
    expect(out.results().sort()).toEqual([...values].sort());
  });

  it('refuses a broker whose certificate it does not trust, with the reason and no key material', async () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ level: 'debug', write: (line) => lines.push(line) });
    const sink = new KafkaSink<string>(
      // System CAs only: the self-signed broker certificate is not among them.
      { brokers: [...kafka.tls.brokers], ssl: true, retries: 0, connectionTimeoutMs: 3000 },
      kafkaRecordSerializer({ topic: 'unused', value: (v: string) => v }),
    );
    const error = await sink.createWriter(writerContext({ logger })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, KafkaErrorCodes.REQUEST_FAILED)).toBe(true);
    expect((error as Error).message).toMatch(/self-signed certificate/);
    const visible = [
      String((error as Error).message),
      JSON.stringify((error as { cause?: unknown }).cause ?? null),
    ]
      .concat(lines)
      .join('\n');
    expect(visible).not.toContain('PRIVATE KEY');
  });
});
