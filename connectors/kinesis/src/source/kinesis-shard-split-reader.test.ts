import type { _Record, GetRecordsOutput, KinesisClient } from '@aws-sdk/client-kinesis';
import { MetricRegistry, SourceReaderMetricGroup, silentLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import type { KinesisShardSplit } from './kinesis-shard-split.js';
import { KinesisShardSplitReader } from './kinesis-shard-split-reader.js';
import { KinesisSourceOptions, type KinesisSourceOptionsInput } from './kinesis-source-options.js';
import { aggregate } from './kpl-aggregation.js';
import { ShardMetrics } from './shard-metrics.js';

type Call = { name: string; input: Record<string, unknown>; at: number };
type GetRecordsReply = GetRecordsOutput | Error;

/** A client that hands out numbered iterators and answers GetRecords from a script. */
function scripted(replies: GetRecordsReply[]) {
  const calls: Call[] = [];
  let iterators = 0;
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name;
      calls.push({ name, input: command.input, at: Date.now() });
      if (name === 'GetShardIteratorCommand') return { ShardIterator: `it-${++iterators}` };
      const reply = replies.shift() ?? { Records: [], NextShardIterator: 'tip', MillisBehindLatest: 0 };
      if (reply instanceof Error) throw reply;
      return reply;
    },
    destroy() {},
  } as unknown as KinesisClient;
  return { client, calls };
}

const record = (seq: number, arrival = 1_000, data = `r${seq}`): _Record => ({
  SequenceNumber: String(seq),
  PartitionKey: 'k',
  Data: Buffer.from(data),
  ApproximateArrivalTimestamp: new Date(arrival),
});

const awsError = (name: string) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 } });

function readerFor(
  client: KinesisClient,
  split: Partial<KinesisShardSplit> = {},
  options: Partial<KinesisSourceOptionsInput> = {},
) {
  const resolved = KinesisSourceOptions.parse({
    streamName: 's',
    throttleBackoffInitialMs: 5,
    throttleBackoffMaxMs: 20,
    idleIntervalMs: 200,
    ...options,
  });
  const metrics = new ShardMetrics(new SourceReaderMetricGroup(new MetricRegistry(), {}));
  const reader = new KinesisShardSplitReader(client, { StreamName: 's' }, resolved, metrics, silentLogger);
  reader.handleSplitsChanges({
    type: 'add',
    splits: [
      {
        splitId: 'shard-0',
        shardId: 'shard-0',
        parentShardIds: [],
        startingHashKey: '0',
        endingHashKey: '1',
        position: { type: 'trim-horizon' },
        ...split,
      },
    ],
  });
  return reader;
}

async function fetchAll(reader: KinesisShardSplitReader, times: number) {
  const out: { seqs: string[]; finished: string[] }[] = [];
  for (let i = 0; i < times; i++) {
    const batch = await reader.fetch();
    const seqs = [...batch.recordsBySplit.values()].flat().map((r) => r.sequenceNumber);
    out.push({ seqs, finished: [...batch.finishedSplits] });
  }
  return out;
}

describe('KinesisShardSplitReader', () => {
  it('keeps GetRecords calls on a shard at least getRecordsIntervalMs apart', async () => {
    const { client, calls } = scripted([
      { Records: [record(1)], NextShardIterator: 'a', MillisBehindLatest: 5_000 },
      { Records: [record(2)], NextShardIterator: 'b', MillisBehindLatest: 4_000 },
      { Records: [record(3)], NextShardIterator: 'c', MillisBehindLatest: 3_000 },
    ]);
    const reader = readerFor(client);
    await fetchAll(reader, 3);
    const times = calls.filter((c) => c.name === 'GetRecordsCommand').map((c) => c.at);
    expect(times).toHaveLength(3);
    for (let i = 1; i < times.length; i++)
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(199);
  });

  it('backs off on throttling and renews an expired iterator after the last fetched record', async () => {
    const { client, calls } = scripted([
      { Records: [record(1), record(2)], NextShardIterator: 'a', MillisBehindLatest: 9 },
      awsError('ProvisionedThroughputExceededException'),
      awsError('ExpiredIteratorException'),
      { Records: [record(3)], NextShardIterator: 'b', MillisBehindLatest: 0 },
    ]);
    const reader = readerFor(client);
    const fetched = await fetchAll(reader, 4);
    expect(fetched.map((f) => f.seqs)).toEqual([['1', '2'], [], [], ['3']]);
    const iterators = calls.filter((c) => c.name === 'GetShardIteratorCommand').map((c) => c.input);
    expect(iterators).toEqual([
      { StreamName: 's', ShardId: 'shard-0', ShardIteratorType: 'TRIM_HORIZON' },
      {
        StreamName: 's',
        ShardId: 'shard-0',
        ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
        StartingSequenceNumber: '2',
      },
    ]);
  });

  it('fails on an error that does not heal, naming the shard', async () => {
    const { client } = scripted([awsError('AccessDeniedException')]);
    const reader = readerFor(client);
    await expect(reader.fetch()).rejects.toThrow(/GetRecords failed \(AccessDeniedException\)/);
  });

  it('ends a closed shard, and a bounded shard at its first record after the stop', async () => {
    const closed = scripted([{ Records: [record(1)], MillisBehindLatest: 0 }]);
    expect(await fetchAll(readerFor(closed.client), 1)).toEqual([{ seqs: ['1'], finished: ['shard-0'] }]);

    const bounded = scripted([
      {
        Records: [record(1, 100), record(2, 200), record(3, 300)],
        NextShardIterator: 'x',
        MillisBehindLatest: 0,
      },
    ]);
    expect(await fetchAll(readerFor(bounded.client, { stopAtTimestamp: 200 }), 1)).toEqual([
      { seqs: ['1', '2'], finished: ['shard-0'] },
    ]);
  });

  it('de-aggregates and resumes inside an aggregated record after its last emitted sub-record', async () => {
    const users = ['a', 'b', 'c'].map((d) => ({
      partitionKey: d,
      explicitHashKey: undefined,
      data: Buffer.from(d),
    }));
    const { client, calls } = scripted([
      {
        Records: [{ ...record(7), Data: aggregate(users) }, record(8)],
        NextShardIterator: 'x',
        MillisBehindLatest: 0,
      },
    ]);
    const reader = readerFor(
      client,
      { position: { type: 'after-sequence-number', sequenceNumber: '7', sub: 0 } },
      { deaggregate: true },
    );
    const batch = await reader.fetch();
    const got = [...batch.recordsBySplit.values()]
      .flat()
      .map((r) => `${r.sequenceNumber}.${r.subSequenceNumber ?? '-'}:${r.partitionKey}`);
    expect(got).toEqual(['7.1:b', '7.2:c', '8.-:k']);
    expect(calls[0]?.input).toMatchObject({
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: '7',
    });
  });
});
