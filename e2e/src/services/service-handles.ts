import type { ElasticsearchService } from '../elasticsearch/elasticsearch-service.js';
import type { ServiceName, ServiceState } from '../harness/service-types.js';
import type { KafkaClusterService } from '../kafka/kafka-cluster-service.js';
import type { KafkaService } from '../kafka/kafka-service.js';
import type { KinesisService } from '../kinesis/kinesis-service.js';
import type { MariaDbService } from '../mariadb/mariadb-service.js';
import type { PostgresService } from '../postgres/postgres-service.js';
import type { PulsarService } from '../pulsar/pulsar-service.js';
import type { HandleContext } from './service-handle-base.js';

/** The handle type of each service. */
export interface ServiceHandles {
  kafka: KafkaService;
  'kafka-cluster': KafkaClusterService;
  mariadb: MariaDbService;
  postgres: PostgresService;
  kinesis: KinesisService;
  elasticsearch: ElasticsearchService;
  pulsar: PulsarService;
}

/** The handle type of service `N`. */
export type ServiceHandleOf<N extends ServiceName> = N extends keyof ServiceHandles
  ? ServiceHandles[N]
  : never;

/** Builds the handle of a recorded instance; each service's client code loads only when used. */
export async function createServiceHandle<N extends ServiceName>(
  state: ServiceState<N>,
  context: HandleContext,
): Promise<ServiceHandleOf<N>> {
  const handle = await (async () => {
    switch (state.name) {
      case 'kafka': {
        const { KafkaService } = await import('../kafka/kafka-service.js');
        return new KafkaService(state as ServiceState<'kafka'>, context);
      }
      case 'kafka-cluster': {
        const { KafkaClusterService } = await import('../kafka/kafka-cluster-service.js');
        return new KafkaClusterService(state as ServiceState<'kafka-cluster'>, context);
      }
      case 'mariadb': {
        const { MariaDbService } = await import('../mariadb/mariadb-service.js');
        return new MariaDbService(state as ServiceState<'mariadb'>, context);
      }
      case 'postgres': {
        const { PostgresService } = await import('../postgres/postgres-service.js');
        return new PostgresService(state as ServiceState<'postgres'>, context);
      }
      case 'kinesis': {
        const { KinesisService } = await import('../kinesis/kinesis-service.js');
        return new KinesisService(state as ServiceState<'kinesis'>, context);
      }
      case 'elasticsearch': {
        const { ElasticsearchService } = await import('../elasticsearch/elasticsearch-service.js');
        return new ElasticsearchService(state as ServiceState<'elasticsearch'>, context);
      }
      case 'pulsar': {
        const { PulsarService } = await import('../pulsar/pulsar-service.js');
        return new PulsarService(state as ServiceState<'pulsar'>, context);
      }
      default:
        throw new Error(`no handle for ${state.name}`);
    }
  })();
  return handle as ServiceHandleOf<N>;
}
