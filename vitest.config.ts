import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * One vitest run covers every package. Workspace packages resolve from source through the
 * `@tributary/source` export condition, so tests never see a stale `dist/`.
 */
const sourceCondition = ['@tributary/source', 'import', 'module', 'node', 'default'];
/**
 * Server-side (test worker, global setup) conditions. Vitest also passes these to Node as
 * `--conditions` for externalized dependencies, so they must not include `import` / `module`:
 * with them Node's `require()` picks ESM or bundler-only entries (pg's `require('pg-pool')` gets
 * an ES module namespace, @aws-sdk loads `dist-es` with extensionless imports). Vite adds
 * `import` / `require` per import kind by itself.
 */
const serverCondition = ['@tributary/source', 'node'];
const exclude = ['**/node_modules/**', '**/dist/**', '**/.tributary/**'];
/**
 * Opt-in e2e files, too slow for every run: the Kafka contract suites on the 3-broker Kafka 4
 * cluster (about 9 minutes; `TRIB_KAFKA_CLUSTER_CONTRACT=1` runs them, see docs/e2e.md).
 */
const optInE2e =
  process.env.TRIB_KAFKA_CLUSTER_CONTRACT === '1'
    ? []
    : ['connectors/kafka/src/kafka-cluster-contract.int.test.ts'];

/**
 * E2e lanes (`scripts/vitest-lanes.mjs` runs them as two vitest processes at the same time, so CI
 * uses both cores): `brokers` holds the files of the JVM brokers (Kafka, Pulsar, Elasticsearch),
 * `others` everything else (databases, Kinesis, files, workers, CLI, docs, packaging). Within a
 * lane files still run one at a time; across lanes no two files share a broker's kill tests or a
 * database's fault tests. Unset: the `e2e` project holds every file (one lane).
 */
const brokerLaneDirs = [
  'connectors/kafka/',
  'connectors/pulsar/',
  'clients/pulsar/',
  'connectors/elasticsearch/',
  'e2e/src/kafka/',
  'e2e/src/pulsar/',
  'e2e/src/elasticsearch/',
];
const e2eLane = process.env.TRIB_E2E_LANE;
if (e2eLane !== undefined && e2eLane !== 'brokers' && e2eLane !== 'others')
  throw new Error(`TRIB_E2E_LANE must be 'brokers' or 'others', got '${e2eLane}'`);
const e2eInclude =
  e2eLane === 'brokers' ? brokerLaneDirs.map((dir) => `${dir}**/*.int.test.ts`) : ['**/*.int.test.ts'];
const e2eExclude = e2eLane === 'others' ? brokerLaneDirs.map((dir) => `${dir}**`) : [];

export default defineConfig({
  resolve: { conditions: sourceCondition },
  ssr: { resolve: { conditions: serverCondition, externalConditions: ['@tributary/source'] } },
  // Global setup files (e2e/src/vitest-global-setup.ts) run in vitest's own `__vitest__`
  // environment, which needs the source condition too to import workspace packages.
  environments: {
    __vitest__: { resolve: { conditions: serverCondition, externalConditions: ['@tributary/source'] } },
  },
  test: {
    // The lane runner gives each vitest process its own report and merges them.
    reporters: [
      'default',
      ['json', { outputFile: process.env.TRIB_VITEST_REPORT ?? '.reports/vitest.json' }],
    ],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/src/**/*.test.ts', '**/test/**/*.test.ts'],
          exclude: [...exclude, '**/*.int.test.ts'],
          testTimeout: 20_000,
          // Vitest's default is one worker less than the cores: a single worker on CI's 2 cores,
          // which leaves one core idle through the unit files (mocks only, no shared services).
          maxWorkers: Math.max(2, availableParallelism() - 1),
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: e2eInclude,
          exclude: [...exclude, ...optInE2e, ...e2eExclude],
          globalSetup: ['e2e/src/vitest-global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          // Real services are shared across files; keep the machine (2 cores) from thrashing.
          fileParallelism: false,
        },
      },
    ],
  },
});
