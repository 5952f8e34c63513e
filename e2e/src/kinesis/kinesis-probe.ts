import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisConnection } from '../harness/service-types.js';
import { createKinesisClient } from './kinesis-client.js';

/** The Kinesis readiness check: a signed `ListStreams` call succeeds. */
export async function probeKinesis(connection: KinesisConnection, signal: AbortSignal): Promise<void> {
  const client = createKinesisClient(connection, { maxAttempts: 1 });
  try {
    await client.send(new ListStreamsCommand({ Limit: 1 }), { abortSignal: signal });
  } finally {
    client.destroy();
  }
}
