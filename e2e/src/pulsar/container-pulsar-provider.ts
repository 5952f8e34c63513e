import { TributaryError } from '@tributary/core';
import { GenericContainer, Wait } from 'testcontainers';
import { containerHost, containerProvider, startServiceContainer } from '../containers/container-support.js';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import { freePorts } from '../harness/free-port.js';
import type { PulsarConnection } from '../harness/service-types.js';
import { uniqueName } from '../harness/unique-names.js';
import { waitUntil } from '../harness/wait-until.js';
import { PULSAR_CLUSTER, PULSAR_VERSION, pulsarStandaloneConf } from './pulsar-config.js';
import { probePulsar, probePulsarBroker } from './pulsar-probe.js';

const CONFIG = '/pulsar/conf/tributary-standalone.conf';

/**
 * Pulsar in Docker: the official `apachepulsar/pulsar` image (there is no testcontainers-node
 * Pulsar module) running `bin/pulsar standalone` with the same configuration as the local
 * backend, ports published 1:1 so lookups answer with host-reachable addresses. The transaction
 * coordinator is loaded with `pulsar-perf produce --txn-enable` inside the container (the image's
 * JRE cannot run the local backend's single-file Java check).
 */
export const containerPulsarProvider = containerProvider<'pulsar'>({
  name: 'pulsar',
  version: PULSAR_VERSION,
  readyTimeoutMs: 300_000,
  async launch() {
    const host = await containerHost();
    const [broker = 0, web = 0] = await freePorts(2);
    const container = await startServiceContainer(
      'pulsar',
      new GenericContainer(`apachepulsar/pulsar:${PULSAR_VERSION}`)
        .withExposedPorts({ container: broker, host: broker }, { container: web, host: web })
        .withCopyContentToContainer([
          {
            content: pulsarStandaloneConf({
              ports: { broker, web },
              bindAddress: '0.0.0.0',
              advertisedAddress: host,
            }),
            target: CONFIG,
          },
        ])
        .withEnvironment({
          PULSAR_STANDALONE_CONF: CONFIG,
          PULSAR_MEM: '-Xms256m -Xmx1g -XX:MaxDirectMemorySize=512m',
        })
        .withCommand(['bin/pulsar', 'standalone', '--no-functions-worker', '--no-stream-storage'])
        .withWaitStrategy(Wait.forListeningPorts())
        .withStartupTimeout(300_000),
    );
    const connection: PulsarConnection = {
      serviceUrl: `pulsar://${host}:${broker}`,
      adminUrl: `http://${host}:${web}`,
      webSocketUrl: `ws://${host}:${web}`,
      cluster: PULSAR_CLUSTER,
    };
    return { container, connection };
  },
  // Until the coordinator is loaded (afterReady), only the broker half of the check can pass.
  probe: probePulsarBroker,
  healthCheck: probePulsar,
  async afterReady(container, connection) {
    const broker = new URL(connection.serviceUrl).port;
    const topic = `persistent://public/default/${uniqueName('txn-check')}`;
    const result = await container.exec([
      'bin/pulsar-perf',
      'produce',
      '--service-url',
      `pulsar://localhost:${broker}`,
      '--txn-enable',
      '--num-messages',
      '10',
      '--rate',
      '100',
      topic,
    ]);
    if (result.exitCode !== 0) {
      throw new TributaryError(
        E2eErrorCodes.SERVICE_START_FAILED,
        `pulsar-perf with transactions failed (exit ${result.exitCode}): ${result.output.split('\n').slice(-15).join('\n')}`,
        { context: { service: 'pulsar', topic } },
      );
    }
    await waitUntil((signal) => probePulsar(connection, signal), {
      what: 'the Pulsar transaction coordinator',
      timeoutMs: 60_000,
    });
  },
});
