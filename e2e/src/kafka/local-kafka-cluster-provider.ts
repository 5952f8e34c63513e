import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, TributaryError, toError } from '@tributary/core';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import { freePorts } from '../harness/free-port.js';
import { javaCommand } from '../harness/java-command.js';
import { resolveMavenArtifacts } from '../harness/maven-artifacts.js';
import {
  crashProcessGroup,
  isRecordedProcessAlive,
  killProcessGroup,
  type ProcessRecord,
  spawnDetached,
  tailFile,
} from '../harness/process-group.js';
import type { ServiceProvider, StartContext } from '../harness/service-provider.js';
import type { KafkaClusterConnection, KafkaClusterNode, ServiceState } from '../harness/service-types.js';
import { waitUntil } from '../harness/wait-until.js';
import { probeKafka, probeKafkaNode } from './kafka-probe.js';
import {
  KAFKA_CLUSTER_VERSION,
  KAFKA_SCRAM_USER,
  kafkaArtifacts,
  kafkaLogConfig,
  kafkaServerProperties,
  randomKafkaClusterId,
} from './kafka-server-config.js';
import { kafkaServerArgs, runStorageFormat } from './local-kafka-provider.js';

/** Three nodes: one can be killed while the other two keep a controller quorum and an ISR of 2. */
const NODE_COUNT = 3;
const REPLICATION_FACTOR = 3;
const MIN_INSYNC_REPLICAS = 2;
/** A cold start of three JVMs on a loaded 2-core machine. */
const READY_TIMEOUT_MS = 240_000;

function clusterVersion(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.TRIBUTARY_KAFKA_CLUSTER_VERSION;
  return chosen === undefined || chosen === '' ? KAFKA_CLUSTER_VERSION : chosen;
}

/** Where node `nodeId` keeps its config, logging config and data (kept across its restarts). */
function nodeDir(workDir: string, nodeId: number): string {
  return join(workDir, `node-${nodeId}`);
}

interface NodeLaunch {
  readonly java: string;
  readonly classPath: string;
  readonly version: string;
  readonly workDir: string;
}

/** Starts node `nodeId` from the config in its directory; its output is appended to its log. */
function spawnNode(launch: NodeLaunch, node: KafkaClusterNode): ProcessRecord & { exited: () => boolean } {
  const dir = nodeDir(launch.workDir, node.nodeId);
  return spawnDetached({
    command: launch.java,
    args: kafkaServerArgs(
      'kafka-cluster',
      launch.version,
      launch.classPath,
      join(dir, 'log.properties'),
      join(dir, 'server.properties'),
    ),
    cwd: dir,
    logFile: node.logFile,
  });
}

function logTails(nodes: readonly KafkaClusterNode[]): string {
  return nodes.map((n) => `--- last lines of ${n.logFile} ---\n${tailFile(n.logFile, 25)}`).join('\n');
}

/**
 * A 3-node KRaft cluster from the same Maven artifacts as the `kafka` service: every node is
 * broker and controller (the quorum survives one node down), with PLAINTEXT, SASL_PLAINTEXT and
 * controller listeners on loopback. Topics the harness creates are replicated 3 times with
 * `min.insync.replicas=2` (internal topics too), so producing, transactions and consuming go on
 * while one broker is killed — which is what {@link localKafkaClusterProvider.killNode} is for.
 *
 * Each node has its own process group, directory and log under the service's work dir; data
 * directories are fresh per cluster start and kept across a node's restart.
 */
export const localKafkaClusterProvider: ServiceProvider<'kafka-cluster'> = {
  name: 'kafka-cluster',
  backend: 'local',
  version: clusterVersion(),

  async start(context: StartContext): Promise<ServiceState<'kafka-cluster'>> {
    const version = clusterVersion();
    const lib = await resolveMavenArtifacts(kafkaArtifacts(version), { logger: context.logger });
    const launch: NodeLaunch = {
      java: javaCommand(),
      classPath: `${lib}/*`,
      version,
      workDir: context.workDir,
    };
    const ports = await freePorts(3 * NODE_COUNT);
    const nodeIds = Array.from({ length: NODE_COUNT }, (_, i) => i + 1);
    const portsOf = (nodeId: number) => {
      const [plaintext = 0, sasl = 0, controller = 0] = ports.slice(3 * (nodeId - 1), 3 * nodeId);
      return { plaintext, sasl, controller };
    };
    const quorumVoters = nodeIds.map((id) => `${id}@127.0.0.1:${portsOf(id).controller}`).join(',');
    const clusterId = randomKafkaClusterId();
    const nodes: KafkaClusterNode[] = nodeIds.map((nodeId) => ({
      nodeId,
      broker: `127.0.0.1:${portsOf(nodeId).plaintext}`,
      logFile: join(nodeDir(context.workDir, nodeId), 'kafka.log'),
    }));
    await Promise.all(
      nodeIds.map(async (nodeId) => {
        const dir = nodeDir(context.workDir, nodeId);
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(join(dir, 'data'), { recursive: true });
        const configFile = join(dir, 'server.properties');
        writeFileSync(
          configFile,
          kafkaServerProperties({
            ports: portsOf(nodeId),
            bindHost: '127.0.0.1',
            advertisedHost: '127.0.0.1',
            logDir: join(dir, 'data'),
            cluster: {
              nodeId,
              quorumVoters,
              replicationFactor: REPLICATION_FACTOR,
              minInsyncReplicas: MIN_INSYNC_REPLICAS,
            },
          }),
        );
        writeFileSync(join(dir, 'log.properties'), kafkaLogConfig(version));
        await runStorageFormat(
          launch.java,
          version,
          launch.classPath,
          join(dir, 'log.properties'),
          configFile,
          clusterId,
        );
      }),
    );
    const connection: KafkaClusterConnection = {
      brokers: nodes.map((n) => n.broker),
      saslBrokers: nodeIds.map((id) => `127.0.0.1:${portsOf(id).sasl}`),
      sasl: { ...KAFKA_SCRAM_USER, mechanisms: ['plain', 'scram-sha-256', 'scram-sha-512'] },
      autoCreateTopics: false,
      replicationFactor: REPLICATION_FACTOR,
      nodes,
    };
    const started = Date.now();
    const children = nodes.map((node) => spawnNode(launch, node));
    try {
      await waitUntil((signal) => probeKafka(connection, signal), {
        what: `a ${NODE_COUNT}-node Kafka cluster to become ready`,
        timeoutMs: READY_TIMEOUT_MS,
        failFast: () => {
          const dead = nodes.filter((_, i) => children[i]?.exited() === true);
          return dead.length === 0 ? undefined : `node(s) ${dead.map((n) => n.nodeId).join(', ')} exited`;
        },
        diagnostics: () => logTails(nodes),
      });
    } catch (error) {
      await Promise.all(children.map((c) => killProcessGroup(c.pgid).catch(() => undefined)));
      throw new TributaryError(
        E2eErrorCodes.SERVICE_START_FAILED,
        `kafka-cluster did not start: ${toError(error).message}`,
        { cause: error, context: { service: 'kafka-cluster', workDir: context.workDir } },
      );
    }
    context.logger.info(
      { service: 'kafka-cluster' },
      `${NODE_COUNT} nodes ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return {
      name: 'kafka-cluster',
      backend: 'local',
      version,
      startedAt: new Date().toISOString(),
      ...(context.runId === undefined ? {} : { runId: context.runId }),
      owner: { kind: 'processes', processes: children.map(({ exited: _exited, ...record }) => record) },
      connection,
      instanceDir: context.workDir,
    };
  },

  check: (state, signal) => probeKafka(state.connection, signal),

  accepts: (state) => state.connection.nodes?.length === NODE_COUNT && state.instanceDir !== undefined,

  isAlive: async (state) =>
    state.owner.kind === 'processes' && state.owner.processes.every((p) => isRecordedProcessAlive(p)),

  async stop(state) {
    if (state.owner.kind !== 'processes') return;
    await Promise.all(
      state.owner.processes.filter((p) => isRecordedProcessAlive(p)).map((p) => killProcessGroup(p.pgid)),
    );
  },

  async killNode(state, nodeId) {
    const { record } = nodeProcess(state, nodeId);
    if (isRecordedProcessAlive(record)) await crashProcessGroup(record.pgid);
  },

  async restartNode(state, nodeId, logger: Logger) {
    const { node, index } = nodeProcess(state, nodeId);
    const workDir = state.instanceDir as string;
    const lib = await resolveMavenArtifacts(kafkaArtifacts(state.version), { logger });
    const launch: NodeLaunch = {
      java: javaCommand(),
      classPath: `${lib}/*`,
      version: state.version,
      workDir,
    };
    const started = Date.now();
    const child = spawnNode(launch, node);
    try {
      await waitUntil((signal) => probeKafkaNode(state.connection, nodeId, signal), {
        what: `kafka-cluster node ${nodeId} to rejoin`,
        timeoutMs: READY_TIMEOUT_MS,
        failFast: () => (child.exited() ? `node ${nodeId} exited` : undefined),
        diagnostics: () => logTails([node]),
      });
    } catch (error) {
      await killProcessGroup(child.pgid).catch(() => undefined);
      throw new TributaryError(
        E2eErrorCodes.SERVICE_START_FAILED,
        `kafka-cluster node ${nodeId} did not restart: ${toError(error).message}`,
        { cause: error, context: { service: 'kafka-cluster', nodeId, log: node.logFile } },
      );
    }
    logger.info(
      { service: 'kafka-cluster' },
      `node ${nodeId} rejoined in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const { exited: _exited, ...record } = child;
    const processes = state.owner.kind === 'processes' ? [...state.owner.processes] : [];
    processes[index] = record;
    return { ...state, owner: { kind: 'processes', processes } };
  },
};

function nodeProcess(
  state: ServiceState<'kafka-cluster'>,
  nodeId: number,
): { node: KafkaClusterNode; record: ProcessRecord; index: number } {
  const index = state.connection.nodes.findIndex((n) => n.nodeId === nodeId);
  const node = state.connection.nodes[index];
  const record = state.owner.kind === 'processes' ? state.owner.processes[index] : undefined;
  if (node === undefined || record === undefined || state.instanceDir === undefined) {
    throw new TributaryError(
      E2eErrorCodes.UNKNOWN_SERVICE,
      `kafka-cluster has no node ${nodeId} the harness runs (nodes: ${state.connection.nodes.map((n) => n.nodeId).join(', ')})`,
      { context: { service: 'kafka-cluster', nodeId } },
    );
  }
  return { node, record, index };
}
