import type {
  ElasticsearchService,
  KafkaService,
  KinesisService,
  MariaDbService,
  PostgresService,
  PulsarService,
} from '@tributary/e2e';
import { expect } from 'vitest';

/**
 * The "Try it" example of each connector package's README, run as a user would: copied from the
 * README the package ships (between `<!-- runnable-example:start -->` and `:end -->`) into a
 * fresh npm project that installed the package alone, and started with `node`, its endpoints
 * taken from the environment — set here from the services harness.
 */

/** The ```js block between the runnable-example markers of a README; undefined without one. */
export function runnableExample(readme: string): string | undefined {
  const marked =
    /<!-- runnable-example:start -->\n```js\n([\s\S]*?)\n```\n<!-- runnable-example:end -->/.exec(readme);
  return marked?.[1];
}

/** The started services an example may need. */
export interface ExampleServices {
  readonly kafka: KafkaService;
  readonly elasticsearch: ElasticsearchService;
  readonly kinesis: KinesisService;
  readonly mariadb: MariaDbService;
  readonly postgres: PostgresService;
  readonly pulsar: PulsarService;
}

/** One prepared run: the example's environment and the check of what it printed. */
export interface ExampleRun {
  readonly env: Readonly<Record<string, string>>;
  check(output: string): void | Promise<void>;
}

/** How to run one connector's README example. */
export interface ReadmeExampleSpec {
  /** What the README's install line adds next to the connector (a driver, a format). */
  readonly extras: Readonly<Record<string, string>>;
  /** Creates what the example expects to exist (a topic, a table) and says how to check it. */
  prepare(services: ExampleServices, dir: string): Promise<ExampleRun>;
}

/** `<prefix>HOST`, `PORT`, `USER`, `PASSWORD` of a database server, as the examples read them. */
function serverEnv(
  prefix: 'PG' | 'MYSQL_',
  server: { host: string; port: number; user: string; password: string },
): Record<string, string> {
  return {
    [`${prefix}HOST`]: server.host,
    [`${prefix}PORT`]: String(server.port),
    [`${prefix}USER`]: server.user,
    [`${prefix}PASSWORD`]: server.password,
  };
}

/** What the kafka, kinesis and elasticsearch examples read back: their three orders. */
const THREE_ORDERS = 'read o1:1200 o2:80 o3:3100';

export const README_EXAMPLES: Readonly<Record<string, ReadmeExampleSpec>> = {
  '@tributary/connector-files': {
    extras: { '@tributary/format-json': '*' },
    prepare: async (_services, dir) => ({
      env: { FILES_OUTPUT_DIR: dir },
      check: (output) => {
        const lines = output.split('\n');
        expect(lines.filter((line) => line.endsWith('/_SUCCESS')).sort()).toEqual([
          'date=2024-05-01/country=de/_SUCCESS',
          'date=2024-05-01/country=fr/_SUCCESS',
          'date=2024-05-02/country=de/_SUCCESS',
        ]);
        expect(lines.filter((line) => /\/part-.*\.jsonl$/.test(line))).toHaveLength(3);
      },
    }),
  },
  '@tributary/connector-kafka': {
    extras: {},
    prepare: async ({ kafka }) => ({
      env: {
        KAFKA_BROKERS: kafka.brokers.join(','),
        KAFKA_TOPIC: await kafka.createTopic({ prefix: 'readme-orders', partitions: 2 }),
      },
      check: (output) => expect(output).toContain(THREE_ORDERS),
    }),
  },
  '@tributary/connector-kinesis': {
    extras: {},
    prepare: async ({ kinesis }) => {
      const { endpoint, region, credentials } = kinesis.connection;
      return {
        env: {
          KINESIS_ENDPOINT: endpoint,
          KINESIS_STREAM: await kinesis.createStream({ prefix: 'readme-orders', shards: 2 }),
          AWS_REGION: region,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        },
        check: (output) => expect(output).toContain(THREE_ORDERS),
      };
    },
  },
  '@tributary/connector-elasticsearch': {
    extras: {},
    prepare: async ({ elasticsearch }) => {
      const index = await elasticsearch.createIndex({ prefix: 'readme-orders' });
      return {
        env: { ELASTICSEARCH_URL: elasticsearch.node, ELASTICSEARCH_INDEX: index },
        check: async (output) => {
          expect(output).toContain(THREE_ORDERS);
          // Elasticsearch's own count: three documents, each written once.
          expect((await elasticsearch.createClient().count({ index })).count).toBe(3);
        },
      };
    },
  },
  '@tributary/connector-jdbc': {
    extras: { pg: '^8.11.0' },
    prepare: async ({ postgres }) => {
      return {
        env: {
          ...serverEnv('PG', postgres.connection),
          PGDATABASE: await postgres.createDatabase('readme'),
        },
        check: (output) => expect(output).toContain('read 1:Ada Lovelace 2:Grace'),
      };
    },
  },
  '@tributary/connector-mysql-cdc': {
    extras: {},
    prepare: async ({ mariadb }) => {
      const shop = await mariadb.createDatabase('readme_shop');
      const admin = await mariadb.adminConnection();
      await admin.query(`CREATE TABLE \`${shop}\`.orders (id INT PRIMARY KEY, status VARCHAR(20))`);
      await admin.query(`INSERT INTO \`${shop}\`.orders VALUES (1, 'new'), (2, 'paid')`);
      return {
        env: {
          ...serverEnv('MYSQL_', mariadb.connection),
          MYSQL_TABLES: `${shop}\\.orders`,
          // Clear of the server ids the repository's CDC tests use (10 000 + pid-derived blocks).
          MYSQL_SERVER_ID: String(900_000 + (process.pid % 1000) * 8),
        },
        check: (output) => {
          expect(output).toContain(`r orders { id: 1, status: 'new' }`);
          expect(output).toContain(`r orders { id: 2, status: 'paid' }`);
        },
      };
    },
  },
  '@tributary/connector-pulsar': {
    extras: {},
    prepare: async ({ pulsar }) => ({
      env: {
        PULSAR_SERVICE_URL: pulsar.connection.serviceUrl,
        PULSAR_TOPIC: await pulsar.createTopic({ prefix: 'readme-orders' }),
      },
      check: (output) => expect(output).toContain(THREE_ORDERS),
    }),
  },
};

/**
 * Connector packages whose README has no runnable example yet, and why. The test fails once one
 * gets an example (so it is wired here) or when a package is neither here nor above.
 */
export const WITHOUT_README_EXAMPLE: Readonly<Record<string, string>> = {};
