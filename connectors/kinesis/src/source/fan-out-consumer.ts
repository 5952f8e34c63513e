import {
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis';
import { sleep } from '@tributary/core';
import { awsErrorName, wrapKinesisError } from '../client/kinesis-errors.js';
import { type StreamTarget, streamLabel } from './kinesis-shard-discoverer.js';

/**
 * The ARN of the enhanced fan-out consumer `consumerName` on the stream, registering it when it
 * does not exist yet and waiting until it is ACTIVE. Registration is idempotent across readers:
 * a concurrent registration (`ResourceInUseException`) is simply waited for.
 */
export async function resolveConsumerArn(
  client: KinesisClient,
  target: StreamTarget,
  consumerName: string,
  pollMs = 1_000,
): Promise<string> {
  try {
    const streamArn =
      'StreamARN' in target
        ? target.StreamARN
        : ((await client.send(new DescribeStreamSummaryCommand(target))).StreamDescriptionSummary
            ?.StreamARN as string);
    for (;;) {
      const described = await client
        .send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }))
        .catch((error: unknown) => {
          if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
          throw error;
        });
      const consumer = described?.ConsumerDescription;
      if (consumer?.ConsumerStatus === 'ACTIVE') return consumer.ConsumerARN as string;
      if (consumer === undefined) {
        await client
          .send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }))
          .catch((error: unknown) => {
            if (awsErrorName(error) !== 'ResourceInUseException') throw error;
          });
      }
      await sleep(pollMs);
    }
  } catch (error) {
    throw wrapKinesisError(error, 'RegisterStreamConsumer', { stream: streamLabel(target), consumerName });
  }
}
