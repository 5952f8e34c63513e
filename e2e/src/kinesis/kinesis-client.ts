import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisConnection } from '../harness/service-types.js';

/**
 * A `KinesisClient` for the emulator. The explicit `NodeHttpHandler` matters: kinesalite speaks
 * HTTP/1.1 only, and the SDK's default handler for Kinesis negotiates HTTP/2 (for
 * SubscribeToShard), which the emulator cannot answer.
 */
export function createKinesisClient(
  connection: KinesisConnection,
  overrides: Partial<KinesisClientConfig> = {},
): KinesisClient {
  return new KinesisClient({
    endpoint: connection.endpoint,
    region: connection.region,
    credentials: { ...connection.credentials },
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 30_000 }),
    maxAttempts: 3,
    ...overrides,
  });
}
