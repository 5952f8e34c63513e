import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import { freePorts } from '../harness/free-port.js';
import { artifactsDir, cacheRootDir } from '../harness/harness-paths.js';
import { extraJavaOptions, javaHome } from '../harness/java-command.js';
import { launchLocalServer } from '../harness/local-launcher.js';
import { type MavenArtifactSet, resolveMavenArtifacts } from '../harness/maven-artifacts.js';
import { isRecordedProcessAlive, killProcessGroup } from '../harness/process-group.js';
import { runCommand } from '../harness/run-command.js';
import type { ServiceProvider, StartContext } from '../harness/service-provider.js';
import type { ElasticsearchConnection, ServiceState } from '../harness/service-types.js';
import { chownRecursive, unprivilegedIds, unprivilegedRuntimeDir } from '../harness/unprivileged-user.js';
import { extractZipOnce } from '../harness/zip-archive.js';
import {
  ELASTICSEARCH_USER,
  ELASTICSEARCH_VERSION,
  elasticsearchJvmOptions,
  elasticsearchYml,
} from './elasticsearch-config.js';
import { probeElasticsearch } from './elasticsearch-probe.js';

/**
 * Elastic's minimal distribution, published on Maven Central for Elasticsearch's own integration
 * tests: server, HTTP transport (`transport-netty4`) and security (`x-pack-core`,
 * `x-pack-security`). It lacks the optional modules of the full distribution (painless scripts,
 * reindex / delete-by-query, analysis-common filters, mapper-extras, `GET /`), which the
 * harness's users do not need. The codelibs cluster runner 8.x suggested at first is not on
 * Maven Central (only up to 7.10.2, too old for the 8.x client).
 */
export const ELASTICSEARCH_ARTIFACTS: MavenArtifactSet = {
  key: `elasticsearch-${ELASTICSEARCH_VERSION}`,
  dependencies: [
    {
      groupId: 'org.elasticsearch.distribution.integ-test-zip',
      artifactId: 'elasticsearch',
      version: ELASTICSEARCH_VERSION,
      type: 'zip',
    },
  ],
};

/**
 * Elasticsearch on this machine: the distribution above, one node, a fresh data directory per
 * start, heap 1 GiB (`TRIBUTARY_ELASTICSEARCH_JAVA_OPTS` adds JVM flags). Elasticsearch refuses
 * to run as root, so as root it runs as `nobody` from `/var/lib/tributary` (see
 * `unprivileged-user.ts`).
 */
export const localElasticsearchProvider: ServiceProvider<'elasticsearch'> = {
  name: 'elasticsearch',
  backend: 'local',
  version: ELASTICSEARCH_VERSION,

  async start(context: StartContext): Promise<ServiceState<'elasticsearch'>> {
    const lib = await resolveMavenArtifacts(ELASTICSEARCH_ARTIFACTS, { logger: context.logger });
    const ids = unprivilegedIds();
    const base =
      ids === undefined
        ? artifactsDir(ELASTICSEARCH_ARTIFACTS.key)
        : join(unprivilegedRuntimeDir(), ELASTICSEARCH_ARTIFACTS.key);
    await extractZipOnce(join(lib, `elasticsearch-${ELASTICSEARCH_VERSION}.zip`), base, [
      `elasticsearch-${ELASTICSEARCH_VERSION}/bin`,
    ]);
    const home = join(base, `elasticsearch-${ELASTICSEARCH_VERSION}`);
    // The instance (config, data, logs) must be writable by the user the server runs as.
    // One directory per harness cache, so two caches (TRIBUTARY_CACHE_DIR) never share an instance.
    const cacheKey = createHash('sha256').update(cacheRootDir()).digest('hex').slice(0, 12);
    const instanceDir =
      ids === undefined
        ? context.workDir
        : join(unprivilegedRuntimeDir(), 'services', `elasticsearch-${cacheKey}`);
    const java = javaHome();
    if (java === undefined) {
      throw new TributaryError(
        E2eErrorCodes.SERVICE_START_FAILED,
        'No Java found for Elasticsearch (set JAVA_HOME)',
        {
          context: { service: 'elasticsearch' },
        },
      );
    }
    const env = {
      ...process.env,
      ES_JAVA_HOME: java,
      ES_PATH_CONF: join(instanceDir, 'config'),
      ES_TMPDIR: join(instanceDir, 'tmp'),
      // ES_JAVA_OPTS would replace ours; the options file below carries them.
      ES_JAVA_OPTS: '',
      HOME: instanceDir,
    };

    const launched = await launchLocalServer({
      name: 'elasticsearch',
      context,
      readyTimeoutMs: 240_000,
      plan: async () => {
        const [httpPort = 0, transportPort = 0] = await freePorts(2);
        rmSync(instanceDir, { recursive: true, force: true });
        for (const dir of ['data', 'logs', 'tmp']) mkdirSync(join(instanceDir, dir), { recursive: true });
        const configDir = join(instanceDir, 'config');
        cpSync(join(home, 'config'), configDir, { recursive: true });
        writeFileSync(
          join(configDir, 'elasticsearch.yml'),
          elasticsearchYml({
            httpPort,
            transportPort,
            dataDir: join(instanceDir, 'data'),
            logsDir: join(instanceDir, 'logs'),
          }),
        );
        mkdirSync(join(configDir, 'jvm.options.d'), { recursive: true });
        writeFileSync(
          join(configDir, 'jvm.options.d', 'tributary.options'),
          elasticsearchJvmOptions(extraJavaOptions('TRIBUTARY_ELASTICSEARCH_JAVA_OPTS')),
        );
        // The file realm user; the tool writes config/users and config/users_roles.
        await runCommand(
          join(home, 'bin', 'elasticsearch-users'),
          ['useradd', ELASTICSEARCH_USER.username, '-p', ELASTICSEARCH_USER.password, '-r', 'superuser'],
          { env, timeoutMs: 120_000 },
        );
        if (ids !== undefined) chownRecursive(instanceDir, ids.uid, ids.gid);
        const connection: ElasticsearchConnection = {
          node: `http://127.0.0.1:${httpPort}`,
          version: ELASTICSEARCH_VERSION,
          auth: { ...ELASTICSEARCH_USER },
          anonymousAccess: true,
        };
        return {
          spawn: {
            command: join(home, 'bin', 'elasticsearch'),
            args: [],
            cwd: instanceDir,
            env: { ...env, TRIBUTARY_SERVICE: 'elasticsearch' },
            ...(ids === undefined ? {} : { uid: ids.uid, gid: ids.gid }),
          },
          connection,
        };
      },
      probe: probeElasticsearch,
    });
    return {
      name: 'elasticsearch',
      backend: 'local',
      version: ELASTICSEARCH_VERSION,
      startedAt: new Date().toISOString(),
      ...(context.runId === undefined ? {} : { runId: context.runId }),
      owner: { kind: 'process', process: launched.process },
      connection: launched.connection,
      logFile: context.logFile,
    };
  },

  check: (state, signal) => probeElasticsearch(state.connection, signal),

  isAlive: async (state) => state.owner.kind === 'process' && isRecordedProcessAlive(state.owner.process),

  async stop(state) {
    if (state.owner.kind === 'process' && isRecordedProcessAlive(state.owner.process)) {
      await killProcessGroup(state.owner.process.pgid, 30_000);
    }
  },
};
