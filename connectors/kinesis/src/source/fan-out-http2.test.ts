/**
 * Enhanced fan-out over a real HTTP/2 connection: a local h2c server answers SubscribeToShard
 * with an AWS event stream (binary event-stream messages, as Kinesis sends them), and the
 * connector's own HTTP/2 client and fan-out reader consume it.
 */
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { MetricRegistry, SourceReaderMetricGroup, silentLogger } from '@tributary/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKinesisClient } from '../client/kinesis-client.js';
import { KinesisFanOutSplitReader } from './kinesis-fan-out-split-reader.js';
import { KinesisSourceOptions } from './kinesis-source-options.js';
import { ShardMetrics } from './shard-metrics.js';

const codec = new EventStreamCodec(
  (s) => Buffer.from(s, 'utf8').toString('utf8'),
  (s) => new Uint8Array(Buffer.from(s, 'utf8')),
);

function eventMessage(body: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: 'SubscribeToShardEvent' },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: new Uint8Array(Buffer.from(JSON.stringify(body))),
  });
}

const records = (seqs: number[]) =>
  seqs.map((seq) => ({
    Data: Buffer.from(`r${seq}`).toString('base64'),
    PartitionKey: 'k',
    SequenceNumber: String(seq),
    ApproximateArrivalTimestamp: 1_700_000_000 + seq,
  }));

describe('enhanced fan-out over HTTP/2 (local event-stream server)', () => {
  let server: Http2Server;
  const requests: { target: string; body: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    server = createServer();
    server.on('stream', (stream, headers) => {
      let raw = '';
      stream.on('data', (c: Buffer) => {
        raw += c.toString();
      });
      stream.on('end', () => {
        const body = JSON.parse(raw || '{}') as Record<string, unknown>;
        requests.push({ target: String(headers['x-amz-target']), body });
        stream.respond({ ':status': 200, 'content-type': 'application/vnd.amazon.eventstream' });
        const first = requests.length === 1;
        stream.write(
          eventMessage({
            Records: records(first ? [1, 2] : [3]),
            ContinuationSequenceNumber: first ? '2' : undefined,
            MillisBehindLatest: 0,
          }),
        );
        if (first)
          stream.write(eventMessage({ Records: [], ContinuationSequenceNumber: '2', MillisBehindLatest: 0 }));
        // The first subscription ends (as after 5 minutes); the second ends the shard.
        stream.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('decodes pushed events, resubscribes after the continuation and ends the shard', async () => {
    const { port } = server.address() as AddressInfo;
    const options = KinesisSourceOptions.parse({
      streamName: 's',
      readerType: 'efo',
      efoConsumerName: 'job',
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const reader = new KinesisFanOutSplitReader(
      createKinesisClient(options, 'http2'),
      { StreamName: 's' },
      async () => 'arn:aws:kinesis:us-east-1:1:stream/s/consumer/job:1',
      options,
      new ShardMetrics(new SourceReaderMetricGroup(new MetricRegistry(), {})),
      silentLogger,
    );
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
        },
      ],
    });
    const seen: string[] = [];
    let finished: readonly string[] = [];
    for (let i = 0; i < 8 && finished.length === 0; i++) {
      const batch = await reader.fetch();
      for (const r of [...batch.recordsBySplit.values()].flat())
        seen.push(`${r.sequenceNumber}:${Buffer.from(r.data).toString()}:${r.arrivalTimestamp}`);
      finished = batch.finishedSplits;
    }
    await reader.close();
    expect(seen).toEqual(['1:r1:1700000001000', '2:r2:1700000002000', '3:r3:1700000003000']);
    expect(finished).toEqual(['shard-0']);
    expect(requests.map((r) => [r.target, r.body.StartingPosition])).toEqual([
      ['Kinesis_20131202.SubscribeToShard', { Type: 'TRIM_HORIZON' }],
      ['Kinesis_20131202.SubscribeToShard', { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '2' }],
    ]);
  });
});
