/**
 * Every examples/pipelines/*.yaml file, validated as `tributary validate` does with connectivity:
 * options by the connector packages' schemas, then each service endpoint's check against the
 * harness's real Kafka, PostgreSQL, MariaDB, Elasticsearch, Pulsar and Kinesis emulator (the resource
 * names come in through the examples' own `${VAR:-default}` references).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type ElasticsearchService,
  type KafkaService,
  type KinesisService,
  type MariaDbService,
  type PostgresService,
  type PulsarService,
  useService,
} from '@tributary/e2e';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { PipelineDocument } from '../src/pipeline/pipeline-document.js';
import { resolvePipeline } from '../src/pipeline/resolve-pipeline.js';
import { testPlugins } from './test-plugins.js';

const examples = new URL('../../examples/pipelines/', import.meta.url);
const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));

let kafka: KafkaService;
let postgres: PostgresService;
let mariadb: MariaDbService;
let es: ElasticsearchService;
let kinesis: KinesisService;
let pulsar: PulsarService;
const env: Record<string, string> = {};

beforeAll(async () => {
  [kafka, postgres, mariadb, es, kinesis, pulsar] = await Promise.all([
    useService('kafka'),
    useService('postgres'),
    useService('mariadb'),
    useService('elasticsearch'),
    useService('kinesis'),
    useService('pulsar'),
  ]);
  const pgDatabase = await postgres.createDatabase('examples');
  const client = new pg.Client(postgres.clientConfig(pgDatabase));
  await client.connect();
  await client.query(
    'CREATE TABLE orders (order_id BIGINT PRIMARY KEY, order_date DATE, customer TEXT, country TEXT, product TEXT, quantity INT, unit_price NUMERIC(10,2))',
  );
  await client.query('CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, topic TEXT, payload TEXT NOT NULL)');
  await client.end();
  const mysqlDatabase = await mariadb.createDatabase('examples');
  await (await mariadb.adminConnection()).query(
    `CREATE TABLE ${mysqlDatabase}.orders (id BIGINT PRIMARY KEY, v INT)`,
  );
  const { host, port, user, password } = postgres.connection;
  Object.assign(env, {
    KAFKA_BROKERS: kafka.connection.brokers[0],
    ORDERS_TOPIC: await kafka.createTopic({ prefix: 'orders' }),
    EVENTS_TOPIC: await kafka.createTopic({ prefix: 'events' }),
    PGHOST: host,
    PGPORT: String(port),
    PGUSER: user,
    PGPASSWORD: password,
    PGDATABASE: pgDatabase,
    MYSQL_HOST: mariadb.connection.host,
    MYSQL_PORT: String(mariadb.connection.port),
    MYSQL_USER: mariadb.connection.user,
    MYSQL_PASSWORD: mariadb.connection.password,
    MYSQL_DATABASE: mysqlDatabase,
    ES_NODE: es.node,
    ES_INDEX: await es.createIndex({ prefix: 'examples' }),
    AWS_REGION: kinesis.connection.region,
    KINESIS_ENDPOINT: kinesis.connection.endpoint,
    KINESIS_STREAM: await kinesis.createStream({ prefix: 'examples' }),
    PULSAR_SERVICE_URL: pulsar.connection.serviceUrl,
    PULSAR_TOPIC: await pulsar.createTopic({ prefix: 'orders', partitions: 2 }),
  });
  // The Kinesis examples use the AWS SDK's default credential chain; the emulator takes any.
  vi.stubEnv('AWS_ACCESS_KEY_ID', kinesis.connection.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', kinesis.connection.credentials.secretAccessKey);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([kafka, postgres, mariadb, es, kinesis, pulsar].map((service) => service?.close()));
});

it.each(files)('%s: options valid, its services reachable', async (name) => {
  const path = fileURLToPath(new URL(name, examples));
  const pipeline = await resolvePipeline(
    PipelineDocument.parse(readFileSync(path, 'utf8'), path, env),
    testPlugins,
    path,
  );
  const checked: string[] = [];
  for (const endpoint of [pipeline.source, pipeline.sink]) {
    // The files connector's paths are relative to where the example runs; its check is a unit test's.
    if (endpoint.connector === 'files' || !endpoint.plugin.check) continue;
    await endpoint.plugin.check(endpoint.options);
    checked.push(endpoint.connector);
  }
  expect(checked).toEqual(CHECKED[name]);
});

/** The connectivity checks each example gets (a new example must be added here). */
const CHECKED: Record<string, string[]> = {
  'csv-to-kafka.yaml': ['kafka'],
  'csv-to-parquet.yaml': [],
  'csv-to-postgres.yaml': ['jdbc'],
  'elasticsearch-to-kinesis.yaml': ['elasticsearch', 'kinesis'],
  'kafka-to-files.yaml': ['kafka'],
  'kinesis-to-files.yaml': ['kinesis'],
  'mysql-cdc-to-elasticsearch.yaml': ['mysql-cdc', 'elasticsearch'],
  'postgres-outbox-to-kafka.yaml': ['jdbc', 'kafka'],
  'pulsar-to-files.yaml': ['pulsar'],
};
