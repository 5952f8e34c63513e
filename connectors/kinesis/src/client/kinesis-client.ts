import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisConnectionOptions } from './kinesis-client-options.js';

/**
 * A `KinesisClient` for the connection options. The HTTP/1.1 `NodeHttpHandler` serves every
 * polling call (PutRecords, GetRecords, ListShards) against AWS and against emulators alike
 * (kinesalite speaks HTTP/1.1 only); `http2` is for enhanced fan-out.
 */
export function createKinesisClient(
  options: KinesisConnectionOptions,
  protocol: 'http1' | 'http2' = 'http1',
): KinesisClient {
  const { credentials } = options;
  return new KinesisClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(credentials === undefined
      ? {}
      : {
          credentials: {
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: credentials.secretAccessKey,
            ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }),
          },
        }),
    maxAttempts: options.maxAttempts,
    // Enhanced fan-out (SubscribeToShard) streams events over HTTP/2; a subscription lasts 5 minutes.
    requestHandler:
      protocol === 'http2'
        ? new NodeHttp2Handler({ requestTimeout: 6 * 60_000, sessionTimeout: 6 * 60_000 })
        : new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: options.requestTimeoutMs }),
  });
}
