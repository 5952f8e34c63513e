import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from './e2e-errors.js';
import { requireServicePeers } from './service-peers.js';
import type { ServiceProvider } from './service-provider.js';
import type { BackendKind, ServiceName } from './service-types.js';

/**
 * The provider of `name` on `backend`. Providers load lazily, so the local backend never loads
 * testcontainers (and its Docker client), and a run that needs Kafka only loads Kafka's code and
 * needs only Kafka's client library installed (a missing one is named by a typed error).
 */
export async function loadProvider<N extends ServiceName>(
  name: N,
  backend: BackendKind,
): Promise<ServiceProvider<N>> {
  requireServicePeers(name, backend);
  const provider = await (backend === 'local' ? loadLocal(name) : loadContainer(name));
  return provider as ServiceProvider<N>;
}

async function loadLocal(name: ServiceName): Promise<ServiceProvider> {
  switch (name) {
    case 'kafka':
      return (await import('../kafka/local-kafka-provider.js')).localKafkaProvider as ServiceProvider;
    case 'kafka-cluster':
      return (await import('../kafka/local-kafka-cluster-provider.js'))
        .localKafkaClusterProvider as ServiceProvider;
    case 'mariadb':
      return (await import('../mariadb/local-mariadb-provider.js')).localMariaDbProvider as ServiceProvider;
    case 'postgres':
      return (await import('../postgres/local-postgres-provider.js'))
        .localPostgresProvider as ServiceProvider;
    case 'kinesis':
      return (await import('../kinesis/local-kinesis-provider.js')).localKinesisProvider as ServiceProvider;
    case 'elasticsearch':
      return (await import('../elasticsearch/local-elasticsearch-provider.js'))
        .localElasticsearchProvider as ServiceProvider;
    case 'pulsar':
      return (await import('../pulsar/local-pulsar-provider.js')).localPulsarProvider as ServiceProvider;
    default:
      throw unknown(name, 'local');
  }
}

async function loadContainer(name: ServiceName): Promise<ServiceProvider> {
  switch (name) {
    case 'kafka':
      return (await import('../kafka/container-kafka-provider.js')).containerKafkaProvider as ServiceProvider;
    case 'pulsar':
      return (await import('../pulsar/container-pulsar-provider.js'))
        .containerPulsarProvider as ServiceProvider;
    case 'elasticsearch':
      return (await import('../elasticsearch/container-elasticsearch-provider.js'))
        .containerElasticsearchProvider as ServiceProvider;
    case 'mariadb':
      return (await import('../mariadb/container-mariadb-provider.js'))
        .containerMariaDbProvider as ServiceProvider;
    case 'postgres':
      return (await import('../postgres/container-postgres-provider.js'))
        .containerPostgresProvider as ServiceProvider;
    // kinesalite is a Node process, not a container, on both backends; the Kafka cluster runs
    // from Maven artifacts on both (one container per node would add nothing but start-up time).
    case 'kinesis':
    case 'kafka-cluster':
      return loadLocal(name);
    default:
      throw unknown(name, 'testcontainers');
  }
}

function unknown(name: string, backend: BackendKind): TributaryError {
  return new TributaryError(E2eErrorCodes.UNKNOWN_SERVICE, `No ${backend} provider for service "${name}"`, {
    context: { service: name, backend },
  });
}
