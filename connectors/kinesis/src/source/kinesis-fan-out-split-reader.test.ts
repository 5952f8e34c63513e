import type { _Record, KinesisClient, SubscribeToShardEventStream } from '@aws-sdk/client-kinesis';
import { MetricRegistry, SourceReaderMetricGroup, silentLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { resolveConsumerArn } from './fan-out-consumer.js';
import { KinesisFanOutSplitReader } from './kinesis-fan-out-split-reader.js';
import type { KinesisShardSplit } from './kinesis-shard-split.js';
import { KinesisSourceOptions } from './kinesis-source-options.js';
import { ShardMetrics } from './shard-metrics.js';

type Call = { name: string; input: Record<string, unknown> };

/**
 * A client whose SubscribeToShard answers with scripted event streams (what the SDK yields from
 * the HTTP/2 response: one `SubscribeToShardEvent` per pushed event), or throws.
 */
function fanOutClient(subscriptions: (SubscribeToShardEventStream[] | Error)[]) {
  const calls: Call[] = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      calls.push({ name: command.constructor.name, input: command.input });
      const next = subscriptions.shift();
      if (next === undefined) return { EventStream: (async function* () {})() };
      if (next instanceof Error) throw next;
      return {
        EventStream: (async function* () {
          for (const event of next) yield event;
        })(),
      };
    },
    destroy() {},
  } as unknown as KinesisClient;
  return { client, calls };
}

const record = (seq: number): _Record => ({
  SequenceNumber: String(seq),
  PartitionKey: 'k',
  Data: Buffer.from(`r${seq}`),
  ApproximateArrivalTimestamp: new Date(1_000),
});

const event = (
  seqs: number[],
  continuation: string | undefined,
  behind = 0,
): SubscribeToShardEventStream => ({
  SubscribeToShardEvent: {
    Records: seqs.map(record),
    ContinuationSequenceNumber: continuation,
    MillisBehindLatest: behind,
    ...(continuation === undefined
      ? { ChildShards: [{ ShardId: 'child', ParentShards: ['shard-0'], HashKeyRange: undefined }] }
      : {}),
  } as never,
});

function readerFor(client: KinesisClient) {
  const options = KinesisSourceOptions.parse({
    streamName: 's',
    readerType: 'efo',
    efoConsumerName: 'job',
    throttleBackoffInitialMs: 5,
    throttleBackoffMaxMs: 10,
  });
  const metrics = new ShardMetrics(new SourceReaderMetricGroup(new MetricRegistry(), {}));
  const reader = new KinesisFanOutSplitReader(
    client,
    { StreamName: 's' },
    async () => 'arn:consumer',
    options,
    metrics,
    silentLogger,
  );
  const split: KinesisShardSplit = {
    splitId: 'shard-0',
    shardId: 'shard-0',
    parentShardIds: [],
    startingHashKey: '0',
    endingHashKey: '1',
    position: { type: 'trim-horizon' },
  };
  reader.handleSplitsChanges({ type: 'add', splits: [split] });
  return reader;
}

describe('KinesisFanOutSplitReader', () => {
  it('reads pushed events, resubscribes after the continuation, backs off when refused, ends with the shard', async () => {
    const inUse = Object.assign(new Error('another subscription is active'), {
      name: 'ResourceInUseException',
    });
    const { client, calls } = fanOutClient([
      [event([1, 2], '2', 500), event([3], '3')], // a subscription that expires after two events
      inUse,
      [event([4], '4'), event([5], undefined)], // the shard closes: no continuation, child shards
    ]);
    const reader = readerFor(client);
    const fetched: { seqs: string[]; finished: readonly string[] }[] = [];
    for (let i = 0; i < 7 && fetched.at(-1)?.finished.length !== 1; i++) {
      const batch = await reader.fetch();
      fetched.push({
        seqs: [...batch.recordsBySplit.values()].flat().map((r) => r.sequenceNumber),
        finished: batch.finishedSplits,
      });
    }
    expect(fetched.flatMap((f) => f.seqs)).toEqual(['1', '2', '3', '4', '5']);
    expect(fetched.at(-1)?.finished).toEqual(['shard-0']);
    expect(calls.map((c) => c.input.StartingPosition)).toEqual([
      { Type: 'TRIM_HORIZON' },
      { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '3' },
      { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '3' },
    ]);
    expect(calls.every((c) => c.input.ConsumerARN === 'arn:consumer' && c.input.ShardId === 'shard-0')).toBe(
      true,
    );
  });

  it('fails on an error that does not heal', async () => {
    const denied = Object.assign(new Error('denied'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    const reader = readerFor(fanOutClient([denied]).client);
    await expect(reader.fetch()).rejects.toThrow(/SubscribeToShard failed \(AccessDeniedException\)/);
  });

  it('registers the consumer when missing and waits until it is active', async () => {
    const states = [undefined, 'CREATING', 'ACTIVE'];
    const calls: string[] = [];
    const client = {
      async send(command: { constructor: { name: string } }) {
        const name = command.constructor.name;
        calls.push(name);
        if (name === 'DescribeStreamSummaryCommand')
          return { StreamDescriptionSummary: { StreamARN: 'arn:stream' } };
        if (name === 'RegisterStreamConsumerCommand') return {};
        const status = states.shift();
        if (status === undefined)
          throw Object.assign(new Error('no consumer'), { name: 'ResourceNotFoundException' });
        return { ConsumerDescription: { ConsumerStatus: status, ConsumerARN: 'arn:consumer' } };
      },
    } as unknown as KinesisClient;
    expect(await resolveConsumerArn(client, { StreamName: 's' }, 'job', 1)).toBe('arn:consumer');
    expect(calls).toEqual([
      'DescribeStreamSummaryCommand',
      'DescribeStreamConsumerCommand',
      'RegisterStreamConsumerCommand',
      'DescribeStreamConsumerCommand',
      'DescribeStreamConsumerCommand',
    ]);
  });
});
