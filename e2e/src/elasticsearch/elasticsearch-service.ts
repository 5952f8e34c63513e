import { Client, type ClientOptions, errors } from '@elastic/elasticsearch';
import type { ServiceState } from '../harness/service-types.js';
import { uniqueName } from '../harness/unique-names.js';
import { type HandleContext, ServiceHandleBase } from '../services/service-handle-base.js';

/** Options of {@link ElasticsearchService.createIndex}. */
export interface CreateElasticsearchIndexOptions {
  /** Name prefix (lowercased); a unique suffix is appended. Default `index`. */
  readonly prefix?: string;
  /** Index mappings, e.g. `{ properties: { name: { type: 'keyword' } } }`. */
  readonly mappings?: Record<string, unknown>;
  /** Index settings; `number_of_replicas` defaults to 0 so a one-node cluster stays green. */
  readonly settings?: Record<string, unknown>;
}

/** Options of {@link ElasticsearchService.createClient}. */
export interface ElasticsearchClientOptions {
  /** Send the harness user's basic-auth credentials (default: anonymous, which the server allows). */
  readonly basicAuth?: boolean;
  /** Anything else for `new Client(...)`. */
  readonly overrides?: Partial<ClientOptions>;
}

/** A started Elasticsearch: clients and unique indices deleted on cleanup. */
export class ElasticsearchService extends ServiceHandleBase<'elasticsearch'> {
  private admin: Client | undefined;
  private readonly clients: Client[] = [];

  constructor(state: ServiceState<'elasticsearch'>, context: HandleContext) {
    super(state, context);
  }

  /** The HTTP endpoint (`http://127.0.0.1:<port>`). */
  get node(): string {
    return this.connection.node;
  }

  /** A new `@elastic/elasticsearch` client for this node; closed when the handle closes. */
  createClient(options: ElasticsearchClientOptions = {}): Client {
    this.assertOpen();
    const auth = options.basicAuth === true ? this.connection.auth : undefined;
    const client = new Client({
      node: this.connection.node,
      ...(auth === undefined ? {} : { auth: { username: auth.username, password: auth.password } }),
      ...options.overrides,
    });
    this.clients.push(client);
    return client;
  }

  /** Creates a uniquely named index and returns its name. */
  async createIndex(options: CreateElasticsearchIndexOptions = {}): Promise<string> {
    this.assertOpen();
    const index = uniqueName(options.prefix ?? 'index');
    try {
      await this.adminClient().indices.create({
        index,
        settings: { number_of_replicas: 0, ...options.settings },
        ...(options.mappings === undefined ? {} : { mappings: options.mappings }),
        wait_for_active_shards: 1,
      });
    } catch (error) {
      throw this.requestFailed('create index', error, { index });
    }
    this.track(`index ${index}`, () => this.dropIndex(index));
    return index;
  }

  /** Deletes an index now (instead of at cleanup). */
  async deleteIndex(index: string): Promise<void> {
    this.untrack(`index ${index}`);
    await this.dropIndex(index);
  }

  private adminClient(): Client {
    this.admin ??= this.createClient();
    return this.admin;
  }

  private async dropIndex(index: string): Promise<void> {
    try {
      await this.adminClient().indices.delete({ index });
    } catch (error) {
      if (!(error instanceof errors.ResponseError && error.statusCode === 404)) {
        throw this.requestFailed('delete index', error, { index });
      }
    }
  }

  protected override async closeClients(): Promise<void> {
    const clients = this.clients.splice(0);
    this.admin = undefined;
    await Promise.all(clients.map((client) => client.close()));
  }
}
