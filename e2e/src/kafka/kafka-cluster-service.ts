import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import type { KafkaClusterNode, ServiceState } from '../harness/service-types.js';
import type { ClusterNodeControl, HandleContext } from '../services/service-handle-base.js';
import { KafkaService } from './kafka-service.js';

/** Leader and in-sync replicas of one partition, by node id. */
export interface KafkaPartitionReplicas {
  readonly partition: number;
  readonly leader: number;
  readonly isr: readonly number[];
}

/**
 * The shared 3-broker KRaft cluster (`useService('kafka-cluster')`): a {@link KafkaService} whose
 * topics are replicated 3 times, plus broker faults. A test may kill one broker (SIGKILL, as a
 * crash) and must restart it before it ends: the cluster is shared by later test files, and the
 * harness replaces a cluster with a dead node on the next `useService` (a full restart).
 */
export class KafkaClusterService extends KafkaService<'kafka-cluster'> {
  private readonly nodeControl: ClusterNodeControl | undefined;

  constructor(state: ServiceState<'kafka-cluster'>, context: HandleContext) {
    super(state, context);
    this.nodeControl = context.clusterNodes;
  }

  /** The brokers, by node id. */
  get nodes(): readonly KafkaClusterNode[] {
    return this.connection.nodes;
  }

  /** SIGKILL to broker `nodeId` (its whole process group); resolves once it is gone. */
  async killBroker(nodeId: number): Promise<void> {
    this.assertOpen();
    await this.control().kill(nodeId);
  }

  /** Starts broker `nodeId` again on its ports and data; resolves once it rejoined the cluster. */
  async restartBroker(nodeId: number): Promise<void> {
    this.assertOpen();
    await this.control().restart(nodeId);
  }

  /** Leader and ISR of every partition of `topic`, as the controller sees them now. */
  async replicas(topic: string): Promise<KafkaPartitionReplicas[]> {
    const admin = await this.adminClient();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return (topics[0]?.partitions ?? [])
        .map((p) => ({ partition: p.partitionId, leader: p.leader, isr: [...p.isr] }))
        .sort((a, b) => a.partition - b.partition);
    } catch (error) {
      throw this.requestFailed('fetch topic metadata', error, { topic });
    }
  }

  private control(): ClusterNodeControl {
    if (this.nodeControl === undefined) {
      throw new TributaryError(
        E2eErrorCodes.UNKNOWN_SERVICE,
        'this kafka-cluster handle was not opened through useService/describeService',
        { context: { service: this.name } },
      );
    }
    return this.nodeControl;
  }
}
