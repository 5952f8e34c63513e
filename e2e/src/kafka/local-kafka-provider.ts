import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import { freePorts } from '../harness/free-port.js';
import { extraJavaOptions, javaCommand } from '../harness/java-command.js';
import { launchLocalServer } from '../harness/local-launcher.js';
import { resolveMavenArtifacts } from '../harness/maven-artifacts.js';
import { isRecordedProcessAlive, killProcessGroup } from '../harness/process-group.js';
import { createSelfSignedTls } from '../harness/self-signed-tls.js';
import type { ServiceProvider, StartContext } from '../harness/service-provider.js';
import type { KafkaConnection, ServiceState } from '../harness/service-types.js';
import { probeKafka } from './kafka-probe.js';
import {
  KAFKA_ARTIFACTS,
  KAFKA_SCRAM_USER,
  KAFKA_VERSION,
  kafkaFormatArgs,
  kafkaLogConfig,
  kafkaLogConfigFlag,
  kafkaServerProperties,
  randomKafkaClusterId,
} from './kafka-server-config.js';

/**
 * Kafka from Maven Central on this machine: a single KRaft node (`kafka.Kafka`) with a fresh
 * data directory per start, formatted with `kafka.tools.StorageTool` (which also adds the SCRAM
 * user) and an SSL listener with a fresh self-signed certificate. Heap 512 MiB; `TRIBUTARY_KAFKA_JAVA_OPTS` adds JVM flags.
 */
export const localKafkaProvider: ServiceProvider<'kafka'> = {
  name: 'kafka',
  backend: 'local',
  version: KAFKA_VERSION,

  async start(context: StartContext): Promise<ServiceState<'kafka'>> {
    const lib = await resolveMavenArtifacts(KAFKA_ARTIFACTS, { logger: context.logger });
    const java = javaCommand();
    const classPath = `${lib}/*`;
    const log4j = join(context.workDir, 'log4j.properties');
    const launched = await launchLocalServer({
      name: 'kafka',
      context,
      readyTimeoutMs: 120_000,
      plan: async () => {
        const [plaintext = 0, sasl = 0, controller = 0, ssl = 0] = await freePorts(4);
        const tls = await createSelfSignedTls(context.workDir, java, 'kafka');
        const dataDir = join(context.workDir, 'data');
        rmSync(dataDir, { recursive: true, force: true });
        mkdirSync(dataDir, { recursive: true });
        const configFile = join(context.workDir, 'server.properties');
        writeFileSync(
          configFile,
          kafkaServerProperties({
            ports: { plaintext, sasl, controller, ssl },
            bindHost: '127.0.0.1',
            advertisedHost: '127.0.0.1',
            logDir: dataDir,
            tls,
          }),
        );
        writeFileSync(log4j, kafkaLogConfig(KAFKA_VERSION));
        await runStorageFormat(java, KAFKA_VERSION, classPath, log4j, configFile, randomKafkaClusterId());
        const connection: KafkaConnection = {
          brokers: [`127.0.0.1:${plaintext}`],
          saslBrokers: [`127.0.0.1:${sasl}`],
          sasl: {
            ...KAFKA_SCRAM_USER,
            mechanisms: ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'],
          },
          tls: { brokers: [`127.0.0.1:${ssl}`], caPem: tls.caPem },
          autoCreateTopics: false,
        };
        return {
          spawn: {
            command: java,
            args: kafkaServerArgs('kafka', KAFKA_VERSION, classPath, log4j, configFile),
            cwd: context.workDir,
          },
          connection,
        };
      },
      probe: probeKafka,
    });
    return {
      name: 'kafka',
      backend: 'local',
      version: KAFKA_VERSION,
      startedAt: new Date().toISOString(),
      ...(context.runId === undefined ? {} : { runId: context.runId }),
      owner: { kind: 'process', process: launched.process },
      connection: launched.connection,
      logFile: context.logFile,
    };
  },

  check: (state, signal) => probeKafka(state.connection, signal),

  // Instances started before the SSL listener, PLAIN and OAUTHBEARER existed are replaced.
  accepts: (state) =>
    state.connection.tls !== undefined && state.connection.sasl.mechanisms.includes('oauthbearer'),

  isAlive: async (state) => state.owner.kind === 'process' && isRecordedProcessAlive(state.owner.process),

  async stop(state) {
    if (state.owner.kind === 'process' && isRecordedProcessAlive(state.owner.process)) {
      await killProcessGroup(state.owner.process.pgid);
    }
  },
};

/**
 * The JVM arguments of one broker process (`kafka.Kafka <config>`); `service` tags the command line
 * so `ps` tells the harness's brokers apart. Heap 512 MiB; `TRIBUTARY_KAFKA_JAVA_OPTS` adds flags.
 */
export function kafkaServerArgs(
  service: string,
  version: string,
  classPath: string,
  logConfig: string,
  configFile: string,
): string[] {
  return [
    `-Dtributary.service=${service}`,
    '-Xms256m',
    '-Xmx512m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    kafkaLogConfigFlag(version, logConfig),
    ...extraJavaOptions('TRIBUTARY_KAFKA_JAVA_OPTS'),
    '-cp',
    classPath,
    'kafka.Kafka',
    configFile,
  ];
}

/**
 * Formats the KRaft storage (and adds the SCRAM user) before the first start of a data dir. Every
 * node of a cluster is formatted with the same `clusterId`.
 */
export function runStorageFormat(
  java: string,
  version: string,
  classPath: string,
  logConfig: string,
  configFile: string,
  clusterId: string,
): Promise<void> {
  const args = [
    kafkaLogConfigFlag(version, logConfig),
    '-cp',
    classPath,
    'kafka.tools.StorageTool',
    ...kafkaFormatArgs(configFile, clusterId),
  ];
  return new Promise((resolve, reject) => {
    execFile(java, args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) return resolve();
      reject(
        new TributaryError(
          E2eErrorCodes.SERVICE_START_FAILED,
          `kafka storage format failed: ${`${stdout}\n${stderr}`.trim().split('\n').slice(-20).join('\n')}`,
          { cause: error, context: { service: 'kafka', config: configFile } },
        ),
      );
    });
  });
}
