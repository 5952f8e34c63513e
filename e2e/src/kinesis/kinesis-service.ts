import {
  CreateStreamCommand,
  DeleteStreamCommand,
  type KinesisClient,
  type KinesisClientConfig,
  ResourceNotFoundException,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import type { ServiceState } from '../harness/service-types.js';
import { uniqueName } from '../harness/unique-names.js';
import { type HandleContext, ServiceHandleBase } from '../services/service-handle-base.js';
import { createKinesisClient } from './kinesis-client.js';

/** Options of {@link KinesisService.createStream}. */
export interface CreateKinesisStreamOptions {
  /** Name prefix; a unique suffix is appended. Default `stream`. */
  readonly prefix?: string;
  /** Default 1. */
  readonly shards?: number;
}

/** A started Kinesis emulator: a correctly configured client and unique streams deleted on cleanup. */
export class KinesisService extends ServiceHandleBase<'kinesis'> {
  private admin: KinesisClient | undefined;
  private readonly clients: KinesisClient[] = [];

  constructor(state: ServiceState<'kinesis'>, context: HandleContext) {
    super(state, context);
  }

  /**
   * A new `KinesisClient` for the emulator (HTTP/1.1 handler, dummy credentials); destroyed when
   * the handle closes.
   */
  createClient(overrides: Partial<KinesisClientConfig> = {}): KinesisClient {
    this.assertOpen();
    const client = createKinesisClient(this.connection, overrides);
    this.clients.push(client);
    return client;
  }

  /** Creates a uniquely named stream, waits until it is `ACTIVE`, and returns its name. */
  async createStream(options: CreateKinesisStreamOptions = {}): Promise<string> {
    this.assertOpen();
    const stream = uniqueName(options.prefix ?? 'stream');
    const client = this.adminClient();
    try {
      await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: options.shards ?? 1 }));
      await waitUntilStreamExists(
        { client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
        { StreamName: stream },
      );
    } catch (error) {
      throw this.requestFailed('create stream', error, { stream });
    }
    this.track(`stream ${stream}`, () => this.dropStream(stream));
    return stream;
  }

  /** Deletes a stream now (instead of at cleanup). */
  async deleteStream(stream: string): Promise<void> {
    this.untrack(`stream ${stream}`);
    await this.dropStream(stream);
  }

  private adminClient(): KinesisClient {
    this.admin ??= this.createClient();
    return this.admin;
  }

  private async dropStream(stream: string): Promise<void> {
    try {
      await this.adminClient().send(
        new DeleteStreamCommand({ StreamName: stream, EnforceConsumerDeletion: true }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException))
        throw this.requestFailed('delete stream', error, { stream });
    }
  }

  protected override async closeClients(): Promise<void> {
    for (const client of this.clients.splice(0)) client.destroy();
    this.admin = undefined;
  }
}
