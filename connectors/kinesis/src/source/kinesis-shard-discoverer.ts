import { type KinesisClient, ListShardsCommand, type Shard } from '@aws-sdk/client-kinesis';
import { wrapKinesisError } from '../client/kinesis-errors.js';

/** Which stream a call targets: by name or by ARN. */
export type StreamTarget = { readonly StreamName: string } | { readonly StreamARN: string };

/** The stream target of the options. */
export function streamTarget(options: {
  readonly streamName?: string | undefined;
  readonly streamArn?: string | undefined;
}): StreamTarget {
  return options.streamArn !== undefined
    ? { StreamARN: options.streamArn }
    : { StreamName: options.streamName as string };
}

/** A readable name of the target for logs and errors. */
export function streamLabel(target: StreamTarget): string {
  return 'StreamName' in target ? target.StreamName : target.StreamARN;
}

/** Lists every shard of the stream (open and closed within retention), following NextToken pages. */
export async function listShards(client: KinesisClient, target: StreamTarget): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  try {
    do {
      // With NextToken, ListShards rejects a stream name: the token carries it.
      const page = await client.send(
        new ListShardsCommand(token === undefined ? { ...target } : { NextToken: token }),
      );
      shards.push(...(page.Shards ?? []));
      token = page.NextToken;
    } while (token !== undefined);
  } catch (error) {
    throw wrapKinesisError(error, 'ListShards', { stream: streamLabel(target) });
  }
  return shards;
}
