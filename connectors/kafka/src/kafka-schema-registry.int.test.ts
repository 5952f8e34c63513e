import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CollectSink, Pipeline, TributaryError } from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import {
  AvroErrorCodes,
  type AvroSchema,
  AvroSerializationSchema,
  ConfluentAvroDeserializationSchema,
  type SchemaRegistryClient,
} from '@tributary/format-avro';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type KafkaMessage,
  type KafkaRecordDeserializer,
  kafkaMessageDeserializer,
} from './source/kafka-record-deserializer.js';
import { KafkaSource } from './source/kafka-source.js';
import { exactInput } from './testing-fixtures/exact-input.js';

/**
 * Confluent Schema Registry Avro over the real local Kafka broker.
 *
 * There is no Confluent Schema Registry on the test machines, so the registry is an in-process
 * HTTP server implementing the two REST endpoints the wire format needs, as the Confluent
 * registry answers them: `POST /subjects/{subject}/versions` (register, `{ "id": n }`, the same
 * schema keeps its id) and `GET /schemas/ids/{id}` (`{ "schema": "<json text>" }`, 404 with
 * `error_code` 40403 for an unknown id). It counts the lookups by id, which is what the cache
 * assertion needs. The client is a small `fetch`-based `SchemaRegistryClient`, as an application
 * would write one. Kafka itself is the harness broker (`useService('kafka')`).
 */

const userV1 = {
  type: 'record',
  name: 'User',
  namespace: 'test',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
  ],
};
const userV2 = {
  type: 'record',
  name: 'User',
  namespace: 'test',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
    { name: 'email', type: ['null', 'string'], default: null },
  ],
};
/** The reader's projection: drops `name`, takes `email` (defaulted for v1) and adds `tier`. */
const userReader = {
  type: 'record',
  name: 'User',
  namespace: 'test',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'email', type: ['null', 'string'], default: null },
    { name: 'tier', type: 'string', default: 'basic' },
  ],
};
interface ReaderUser {
  readonly id: number;
  readonly email: string | null;
  readonly tier: string;
}

/** The Confluent registry's REST API, the part the wire format uses, in process. */
class LocalSchemaRegistryServer {
  readonly lookups = new Map<number, number>();
  private readonly schemas: string[] = [];
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => reply(res, 500, { message: String(error) }));
    });
  }

  static async start(): Promise<LocalSchemaRegistryServer> {
    const registry = new LocalSchemaRegistryServer();
    registry.server.listen(0, '127.0.0.1');
    await once(registry.server, 'listening');
    return registry;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '';
    const byId = /^\/schemas\/ids\/(\d+)$/.exec(url);
    if (req.method === 'GET' && byId) {
      const id = Number(byId[1]);
      this.lookups.set(id, (this.lookups.get(id) ?? 0) + 1);
      const schema = this.schemas[id - 1];
      if (schema === undefined) return reply(res, 404, { error_code: 40403, message: 'Schema not found' });
      return reply(res, 200, { schema });
    }
    const register = /^\/subjects\/([^/]+)\/versions$/.exec(url);
    if (req.method === 'POST' && register) {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      // The registry compares schemas canonically; JSON re-serialization is enough here.
      const schema = JSON.stringify(JSON.parse((JSON.parse(body) as { schema: string }).schema));
      let index = this.schemas.indexOf(schema);
      if (index < 0) index = this.schemas.push(schema) - 1;
      return reply(res, 200, { id: index + 1 });
    }
    reply(res, 404, { error_code: 404, message: `no route ${req.method} ${url}` });
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
  res.end(JSON.stringify(body));
}

/** A `SchemaRegistryClient` over the Confluent REST API: 5xx and network errors are retriable. */
class HttpSchemaRegistryClient implements SchemaRegistryClient {
  constructor(private readonly baseUrl: string) {}

  async getSchemaById(id: number): Promise<AvroSchema> {
    const body = (await this.request('GET', `/schemas/ids/${id}`)) as { schema: string };
    return JSON.parse(body.schema) as AvroSchema;
  }

  async getIdForSchema(subject: string, schema: AvroSchema): Promise<number> {
    // A string is JSON text, or a primitive type name the registry wants as a JSON string.
    const text = typeof schema === 'string' && /^\s*[[{"]/.test(schema) ? schema : JSON.stringify(schema);
    const body = await this.request('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
      schema: text,
    });
    return (body as { id: number }).id;
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new TributaryError('TEST_REGISTRY_UNREACHABLE', `${method} ${path} failed`, {
        retriable: true,
        cause,
      });
    }
    const payload: unknown = await response.json();
    if (response.status === 404)
      throw new TributaryError(AvroErrorCodes.SCHEMA_NOT_FOUND, `${method} ${path}: not found`);
    if (!response.ok) {
      throw new TributaryError('TEST_REGISTRY_HTTP', `${method} ${path}: HTTP ${response.status}`, {
        retriable: response.status >= 500,
      });
    }
    return payload;
  }
}

/** Magic byte 0, the schema id (4 bytes, big-endian), the Avro binary body. */
function confluentFrame(schemaId: number, body: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

describe('Confluent Schema Registry Avro through the Kafka source (real broker)', () => {
  let kafka: KafkaService;
  let registry: LocalSchemaRegistryServer;

  beforeAll(async () => {
    kafka = await useService('kafka');
    registry = await LocalSchemaRegistryServer.start();
  });
  afterAll(async () => {
    await registry?.close();
    await kafka?.close();
  });

  it('decodes two writer schema versions to the reader projection, loading each schema id once', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const client = new HttpSchemaRegistryClient(registry.url);
    const keyId = await client.getIdForSchema(`${topic}-key`, 'string');
    const v1Id = await client.getIdForSchema(`${topic}-value`, userV1);
    const v2Id = await client.getIdForSchema(`${topic}-value`, userV2);
    expect(new Set([keyId, v1Id, v2Id]).size).toBe(3);
    const keyBody = new AvroSerializationSchema<string>({ schema: 'string' });
    const v1Body = new AvroSerializationSchema({ schema: userV1 });
    const v2Body = new AvroSerializationSchema({ schema: userV2 });

    // Per partition: 40 records written with v1, then 40 with v2, then 40 with v1 again, plus a
    // tombstone; small fetches (maxPartitionFetchBytes) spread them over many prepared batches.
    const produced: { partition: number; key: string; value: ReaderUser | null }[] = [];
    const producer = new Kafka({ brokers: [...kafka.brokers], logLevel: logLevel.NOTHING }).producer(
      exactInput,
    );
    await producer.connect();
    try {
      for (let partition = 0; partition < 2; partition++) {
        for (const [phase, version] of [1, 2, 1].entries()) {
          const messages = Array.from({ length: 40 }, (_, i) => {
            const id = partition * 1000 + phase * 100 + i;
            const key = `user-${id}`;
            const email = version === 2 ? `u${id}@example.com` : null;
            produced.push({ partition, key, value: { id, email, tier: 'basic' } });
            const value =
              version === 1
                ? confluentFrame(v1Id, v1Body.serialize({ id, name: `name ${id}` }))
                : confluentFrame(v2Id, v2Body.serialize({ id, name: `name ${id}`, email }));
            return { partition, key: confluentFrame(keyId, keyBody.serialize(key)), value };
          });
          await producer.send({ topic, messages });
        }
        const key = `gone-${partition}`;
        produced.push({ partition, key, value: null });
        await producer.send({
          topic,
          messages: [{ partition, key: confluentFrame(keyId, keyBody.serialize(key)), value: null }],
        });
      }
    } finally {
      await producer.disconnect();
    }

    // #region schema-registry
    const messages = kafkaMessageDeserializer({
      key: new ConfluentAvroDeserializationSchema<string>(client),
      value: new ConfluentAvroDeserializationSchema<ReaderUser>(client, { schema: userReader }),
    });
    // #endregion schema-registry
    // Records whether prepare ran before each deserialize and how many batches were prepared.
    const prepared = new Set<string>();
    let prepareCalls = 0;
    let unpreparedRecords = 0;
    const recording: KafkaRecordDeserializer<KafkaMessage<string, ReaderUser>> = {
      async prepare(records) {
        prepareCalls++;
        await messages.prepare?.(records);
        for (const r of records) prepared.add(`${r.key?.toString('hex')}/${r.value?.toString('hex')}`);
      },
      deserialize(record) {
        if (!prepared.has(`${record.key?.toString('hex')}/${record.value?.toString('hex')}`))
          unpreparedRecords++;
        return messages.deserialize(record);
      },
    };
    const source = new KafkaSource<KafkaMessage<string, ReaderUser>>(
      {
        brokers: kafka.brokers,
        topics: [topic],
        stoppingOffsets: 'latest',
        maxPartitionFetchBytes: 1024,
      },
      recording,
    );
    using out = CollectSink.create<KafkaMessage<string, ReaderUser>>();
    // One reader: ConfluentAvroDeserializationSchema caches loaded ids, but two readers preparing
    // the same new id at the same moment would each look it up (no in-flight de-duplication).
    await Pipeline.from(source).sinkTo(out.sink).execute({ parallelism: 1 });

    const read = out.results().map((m) => ({ partition: m.partition, key: m.key, value: m.value }));
    const byPartition = (p: number, list: typeof read) => list.filter((r) => r.partition === p);
    for (const p of [0, 1]) expect(byPartition(p, read)).toEqual(byPartition(p, produced));
    expect(read).toHaveLength(2 * 121);
    expect(unpreparedRecords).toBe(0);
    expect(prepareCalls).toBeGreaterThan(3);
    // Every schema id was fetched from the registry exactly once, across all those batches.
    expect(Object.fromEntries(registry.lookups)).toEqual({ [keyId]: 1, [v1Id]: 1, [v2Id]: 1 });
  });
});
