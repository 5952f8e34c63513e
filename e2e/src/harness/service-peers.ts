import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from './e2e-errors.js';
import type { BackendKind, ServiceName } from './service-types.js';

/**
 * The client libraries each service's code loads, by backend. They are optional peer
 * dependencies of `@tributary/e2e`: a Kafka connector's tests install kafkajs, not the AWS SDK,
 * Elasticsearch, pg and mysql2 as well. Pulsar needs none (REST and the Java client from Maven).
 */
export const SERVICE_PEERS: Readonly<Record<BackendKind, Readonly<Record<ServiceName, readonly string[]>>>> =
  {
    local: {
      kafka: ['kafkajs'],
      'kafka-cluster': ['kafkajs'],
      pulsar: [],
      elasticsearch: ['@elastic/elasticsearch'],
      mariadb: ['mysql2'],
      postgres: ['pg'],
      kinesis: ['@aws-sdk/client-kinesis', '@smithy/node-http-handler', 'kinesalite'],
    },
    testcontainers: {
      kafka: ['kafkajs', 'testcontainers'],
      // The cluster runs local processes on both backends.
      'kafka-cluster': ['kafkajs'],
      pulsar: ['testcontainers'],
      elasticsearch: ['@elastic/elasticsearch', 'testcontainers', '@testcontainers/elasticsearch'],
      mariadb: ['mysql2', 'testcontainers', '@testcontainers/mariadb'],
      postgres: ['pg', 'testcontainers', '@testcontainers/postgresql'],
      // kinesalite is a Node process on both backends.
      kinesis: ['@aws-sdk/client-kinesis', '@smithy/node-http-handler', 'kinesalite'],
    },
  };

const packageRequire = createRequire(import.meta.url);

/**
 * Whether `name` is in a `node_modules` directory above this file — where an `import` of it looks.
 * Not `require.resolve`: it also searches `NODE_PATH` (pnpm sets it for scripts), which ES module
 * resolution ignores, so it can find a package that the import then does not.
 */
function isInstalled(name: string): boolean {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', name, 'package.json'))) return true;
    if (dirname(dir) === dir) return false;
  }
}

/** The version ranges `@tributary/e2e` declares for its peers (same file from `src/` and `dist/`). */
function peerRanges(): Readonly<Record<string, string>> {
  const manifest = packageRequire('../../package.json') as { peerDependencies?: Record<string, string> };
  return manifest.peerDependencies ?? {};
}

/**
 * Throws `TRIB_E2E_MISSING_PEER` naming every client library service `name` needs on `backend`
 * that is not installed, with the command that installs them — before the service's code fails
 * on its first import with a bare "Cannot find package".
 */
export function requireServicePeers(
  name: ServiceName,
  backend: BackendKind,
  installed: (pkg: string) => boolean = isInstalled,
): void {
  const missing = SERVICE_PEERS[backend][name].filter((pkg) => !installed(pkg));
  if (missing.length === 0) return;
  const ranges = peerRanges();
  const specs = missing.map((pkg) => (ranges[pkg] === undefined ? pkg : `${pkg}@${ranges[pkg]}`));
  const hint =
    backend === 'testcontainers' ? ' (or run the local backend: TRIBUTARY_SERVICES_BACKEND=local)' : '';
  throw new TributaryError(
    E2eErrorCodes.MISSING_PEER,
    `Service "${name}" (${backend} backend) needs ${missing.join(', ')}, an optional peer dependency of ` +
      `@tributary/e2e that is not installed: npm install --save-dev ${specs.join(' ')}${hint}`,
    { context: { service: name, backend, missing } },
  );
}
