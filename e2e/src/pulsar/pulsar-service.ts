import type { ServiceState } from '../harness/service-types.js';
import { uniqueName } from '../harness/unique-names.js';
import { type HandleContext, ServiceHandleBase } from '../services/service-handle-base.js';
import { PulsarAdminError, pulsarAdmin } from './pulsar-admin.js';
import type { TransactionCoordinatorStats } from './pulsar-probe.js';

/** Options of {@link PulsarService.createTopic}. */
export interface CreatePulsarTopicOptions {
  /** Name prefix; a unique suffix is appended. Default `topic`. */
  readonly prefix?: string;
  /** Partitions; 0 (default) creates a non-partitioned topic. */
  readonly partitions?: number;
  /** `tenant/namespace` to create it in; default: this handle's own namespace. */
  readonly namespace?: string;
}

/**
 * A started Pulsar (transactions enabled): URLs, admin REST calls, and unique tenants /
 * namespaces / topics. Everything created through the handle lives under tenants it created,
 * which cleanup deletes with `force=true`.
 */
export class PulsarService extends ServiceHandleBase<'pulsar'> {
  private ownNamespace: Promise<string> | undefined;

  constructor(state: ServiceState<'pulsar'>, context: HandleContext) {
    super(state, context);
  }

  /** A call to the admin REST API (`/admin/v2/...`), JSON in and out. */
  admin<T = unknown>(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    this.assertOpen();
    return pulsarAdmin<T>(this.connection, method, path, body);
  }

  /** Creates a uniquely named tenant allowed on the standalone cluster; deleted on cleanup. */
  async createTenant(prefix = 'tenant'): Promise<string> {
    const tenant = uniqueName(prefix);
    try {
      await this.admin('PUT', `/admin/v2/tenants/${tenant}`, { allowedClusters: [this.connection.cluster] });
    } catch (error) {
      throw this.requestFailed('create tenant', error, { tenant });
    }
    this.track(`tenant ${tenant}`, () => this.dropTenant(tenant));
    return tenant;
  }

  /** Creates a uniquely named namespace (in `tenant`, or in a new tenant) and returns `tenant/namespace`. */
  async createNamespace(
    options: { readonly tenant?: string; readonly prefix?: string } = {},
  ): Promise<string> {
    const tenant = options.tenant ?? (await this.createTenant());
    const namespace = `${tenant}/${uniqueName(options.prefix ?? 'ns')}`;
    try {
      await this.admin('PUT', `/admin/v2/namespaces/${namespace}`);
    } catch (error) {
      throw this.requestFailed('create namespace', error, { namespace });
    }
    return namespace;
  }

  /** Creates a uniquely named persistent topic and returns its full name (`persistent://t/ns/topic`). */
  async createTopic(options: CreatePulsarTopicOptions = {}): Promise<string> {
    const namespace = options.namespace ?? (await this.namespaceOfHandle());
    const topic = `persistent://${namespace}/${uniqueName(options.prefix ?? 'topic')}`;
    const path = `/admin/v2/${topic.replace('://', '/')}`;
    try {
      const partitions = options.partitions ?? 0;
      if (partitions > 0) await this.admin('PUT', `${path}/partitions`, partitions);
      else await this.admin('PUT', path);
    } catch (error) {
      throw this.requestFailed('create topic', error, { topic });
    }
    return topic;
  }

  /** The WebSocket producer URL of a topic (`ws://.../ws/v2/producer/persistent/t/ns/topic`). */
  webSocketProducerUrl(topic: string): string {
    return `${this.connection.webSocketUrl}/ws/v2/producer/${topic.replace('://', '/')}`;
  }

  /** The WebSocket consumer URL of a topic and subscription, with optional query parameters. */
  webSocketConsumerUrl(topic: string, subscription: string, params: Record<string, string> = {}): string {
    const query = new URLSearchParams(params).toString();
    return `${this.connection.webSocketUrl}/ws/v2/consumer/${topic.replace('://', '/')}/${subscription}${query === '' ? '' : `?${query}`}`;
  }

  /** The transaction coordinators' stats (`/admin/v3/transactions/coordinatorStats`). */
  transactionCoordinatorStats(): Promise<TransactionCoordinatorStats> {
    return this.admin<TransactionCoordinatorStats>('GET', '/admin/v3/transactions/coordinatorStats');
  }

  private namespaceOfHandle(): Promise<string> {
    this.ownNamespace ??= this.createNamespace();
    return this.ownNamespace;
  }

  private async dropTenant(tenant: string): Promise<void> {
    try {
      await pulsarAdmin(this.connection, 'DELETE', `/admin/v2/tenants/${tenant}?force=true`);
    } catch (error) {
      if (!(error instanceof PulsarAdminError && error.status === 404)) {
        throw this.requestFailed('delete tenant', error, { tenant });
      }
    }
  }

  protected override async closeClients(): Promise<void> {
    this.ownNamespace = undefined;
  }
}
