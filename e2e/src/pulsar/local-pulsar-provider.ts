import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../harness/free-port.js';
import { extraJavaOptions, javaCommand } from '../harness/java-command.js';
import { launchLocalServer } from '../harness/local-launcher.js';
import { type MavenArtifactSet, resolveMavenArtifacts } from '../harness/maven-artifacts.js';
import { isRecordedProcessAlive, killProcessGroup, tailFile } from '../harness/process-group.js';
import { createSelfSignedTls } from '../harness/self-signed-tls.js';
import type { ServiceProvider, StartContext } from '../harness/service-provider.js';
import type { PulsarConnection, ServiceState } from '../harness/service-types.js';
import { uniqueName } from '../harness/unique-names.js';
import { waitUntil } from '../harness/wait-until.js';
import { pulsarAdmin } from './pulsar-admin.js';
import {
  OPENTELEMETRY_SDK_MODULES,
  PULSAR_CLUSTER,
  PULSAR_JVM_OPTIONS,
  PULSAR_OPENTELEMETRY_VERSION,
  PULSAR_VERSION,
  pulsarLog4j2Properties,
  pulsarStandaloneConf,
} from './pulsar-config.js';
import { probePulsar, probePulsarBroker } from './pulsar-probe.js';
import { runPulsarTransactionCheck } from './pulsar-transaction-check.js';

/**
 * The broker and everything standalone mode starts in-process (a BookKeeper bookie, the RocksDB
 * metadata store, the WebSocket service). 4.2.x rather than the 4.0 LTS line: 4.0.7 (the newest
 * 4.0.x whose artifacts this project's Maven Central has) fails transactional sends and
 * transaction-buffer recovery when they race a topic's first snapshot (apache/pulsar#24945), which
 * made exactly-once tests flaky; 4.2 carries the fix.
 *
 * Pulsar's published pom leaves OpenTelemetry's SDK modules to its BOM, so Maven's nearest-wins
 * mixes 1.56 and 1.62 jars and the broker dies at start with a `NoSuchMethodError`; the SDK modules
 * are pinned here to the version of the API Pulsar is built with.
 */
export const PULSAR_ARTIFACTS: MavenArtifactSet = {
  key: `pulsar-${PULSAR_VERSION}-otel-${PULSAR_OPENTELEMETRY_VERSION}`,
  dependencies: [
    { groupId: 'org.apache.pulsar', artifactId: 'pulsar-broker', version: PULSAR_VERSION },
    ...OPENTELEMETRY_SDK_MODULES.map((artifactId) => ({
      groupId: 'io.opentelemetry',
      artifactId,
      version: PULSAR_OPENTELEMETRY_VERSION,
    })),
  ],
};

/**
 * Pulsar standalone on this machine (`org.apache.pulsar.PulsarStandaloneStarter`, no functions
 * worker, no stream storage), transactions enabled, a fresh data directory per start; a TLS
 * listener with a fresh self-signed certificate and token authentication (anonymous allowed) for
 * the client's authentication tests.
 * `TRIBUTARY_PULSAR_JAVA_OPTS` adds JVM flags.
 */
export const localPulsarProvider: ServiceProvider<'pulsar'> = {
  name: 'pulsar',
  backend: 'local',
  version: PULSAR_VERSION,

  async start(context: StartContext): Promise<ServiceState<'pulsar'>> {
    const lib = await resolveMavenArtifacts(PULSAR_ARTIFACTS, { logger: context.logger });
    const java = javaCommand();
    const classPath = `${lib}/*`;
    const launched = await launchLocalServer({
      name: 'pulsar',
      context,
      readyTimeoutMs: 300_000,
      plan: async () => {
        const [broker = 0, web = 0, bookie = 0, brokerTls = 0] = await freePorts(4);
        const dataDir = join(context.workDir, 'data');
        rmSync(dataDir, { recursive: true, force: true });
        mkdirSync(dataDir, { recursive: true });
        const configFile = join(context.workDir, 'standalone.conf');
        const log4j = join(context.workDir, 'log4j2.properties');
        const tls = await createSelfSignedTls(context.workDir, java, 'pulsar');
        const tokenSecretKeyBase64 = randomBytes(32).toString('base64');
        writeFileSync(
          configFile,
          pulsarStandaloneConf({
            ports: { broker, web },
            bindAddress: '127.0.0.1',
            advertisedAddress: '127.0.0.1',
            tls: { port: brokerTls, keystorePath: tls.keystorePath, keystorePassword: tls.keystorePassword },
            tokenSecretKeyBase64,
          }),
        );
        writeFileSync(log4j, pulsarLog4j2Properties());
        const connection: PulsarConnection = {
          serviceUrl: `pulsar://127.0.0.1:${broker}`,
          adminUrl: `http://127.0.0.1:${web}`,
          webSocketUrl: `ws://127.0.0.1:${web}`,
          cluster: PULSAR_CLUSTER,
          tls: { serviceUrl: `pulsar+ssl://127.0.0.1:${brokerTls}`, caPem: tls.caPem },
          tokenSecretKeyBase64,
        };
        return {
          spawn: {
            command: java,
            args: [
              '-Dtributary.service=pulsar',
              ...PULSAR_JVM_OPTIONS,
              `-Dlog4j.configurationFile=${log4j}`,
              ...extraJavaOptions('TRIBUTARY_PULSAR_JAVA_OPTS'),
              '-cp',
              classPath,
              'org.apache.pulsar.PulsarStandaloneStarter',
              '--config',
              configFile,
              '--no-functions-worker',
              '--no-stream-storage',
              '--bookkeeper-port',
              String(bookie),
              '--metadata-dir',
              join(dataDir, 'metadata'),
              '--bookkeeper-dir',
              join(dataDir, 'bookkeeper'),
            ],
            cwd: context.workDir,
          },
          connection,
        };
      },
      probe: probePulsarBroker,
    });

    // Transactions: a real round trip with the Java client, which also loads the coordinator.
    const check = {
      connection: launched.connection,
      topic: `persistent://public/default/${uniqueName('txn-check')}`,
    };
    try {
      await runPulsarTransactionCheck({
        java,
        classPath,
        workDir: context.workDir,
        serviceUrl: check.connection.serviceUrl,
        topic: check.topic,
      });
      await waitUntil((signal) => probePulsar(check.connection, signal), {
        what: 'the Pulsar transaction coordinator',
        timeoutMs: 60_000,
        diagnostics: () => tailFile(context.logFile, 30),
      });
      await pulsarAdmin(
        check.connection,
        'DELETE',
        `/admin/v2/${check.topic.replace('://', '/')}?force=true`,
      );
    } catch (error) {
      await killProcessGroup(launched.process.pgid).catch(() => undefined);
      throw error;
    }
    return {
      name: 'pulsar',
      backend: 'local',
      version: PULSAR_VERSION,
      startedAt: new Date().toISOString(),
      ...(context.runId === undefined ? {} : { runId: context.runId }),
      owner: { kind: 'process', process: launched.process },
      connection: launched.connection,
      logFile: context.logFile,
    };
  },

  check: (state, signal) => probePulsar(state.connection, signal),

  isAlive: async (state) => state.owner.kind === 'process' && isRecordedProcessAlive(state.owner.process),

  async stop(state) {
    if (state.owner.kind === 'process' && isRecordedProcessAlive(state.owner.process)) {
      await killProcessGroup(state.owner.process.pgid, 30_000);
    }
  },
};
