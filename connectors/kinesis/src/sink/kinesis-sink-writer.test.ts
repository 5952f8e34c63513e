import type { KinesisClient, PutRecordsCommand, PutRecordsOutput } from '@aws-sdk/client-kinesis';
import { CoreErrorCodes, hasErrorCode, type TributaryError } from '@tributary/core';
import { fakeBatchContext, fakeWriterContext } from '@tributary/core/testing';
import { describe, expect, it } from 'vitest';
import { KinesisErrorCodes } from '../kinesis-error-codes.js';
import type { KinesisPutEntry } from './kinesis-put-entry.js';
import { kinesisRecordSerializer } from './kinesis-record-serializer.js';
import { KinesisSinkOptions, type KinesisSinkOptionsInput } from './kinesis-sink-options.js';
import { KinesisSinkWriter } from './kinesis-sink-writer.js';

type Reply = (keys: string[]) => PutRecordsOutput | Error;

/** A KinesisClient stand-in that answers PutRecords from a script and records each request's keys. */
function scriptedClient(replies: Reply[]) {
  const requests: string[][] = [];
  const client = {
    async send(command: PutRecordsCommand) {
      const keys = (command.input.Records ?? []).map((r) => Buffer.from(r.Data as Uint8Array).toString());
      requests.push(keys);
      const reply = (replies.shift() ?? ok)(keys);
      if (reply instanceof Error) throw reply;
      return reply;
    },
    destroy() {},
  } as unknown as KinesisClient;
  return { client, requests };
}

const ok: Reply = (keys) => ({
  FailedRecordCount: 0,
  Records: keys.map((_, i) => ({ SequenceNumber: String(i), ShardId: 's' })),
});

/** Fails the entries whose text is in `failing` with the given code. */
const partial =
  (failing: readonly string[], code = 'ProvisionedThroughputExceededException'): Reply =>
  (keys) => ({
    FailedRecordCount: keys.filter((k) => failing.includes(k)).length,
    Records: keys.map((k, i) =>
      failing.includes(k)
        ? { ErrorCode: code, ErrorMessage: 'Rate exceeded for shard' }
        : { SequenceNumber: String(i), ShardId: 's' },
    ),
  });

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
}

function writerFor(
  client: KinesisClient,
  options: Partial<KinesisSinkOptionsInput> = {},
  deadLetters?: KinesisPutEntry[],
) {
  const resolved = KinesisSinkOptions.parse({
    streamName: 's',
    region: 'us-east-1',
    retryInitialDelayMs: 1,
    retryMaxDelayMs: 2,
    maxInFlightRequests: 1,
    ...options,
  });
  const serializer = kinesisRecordSerializer<string>({
    value: { serialize: (v) => Buffer.from(v) },
    partitionKey: (v) => v.slice(0, 8),
  });
  return new KinesisSinkWriter(
    client,
    resolved,
    serializer,
    fakeWriterContext(),
    [],
    deadLetters === undefined ? undefined : async (entry) => void deadLetters.push(entry),
  );
}

describe('KinesisSinkWriter', () => {
  it('retries only the entries PutRecords rejected, in their order', async () => {
    const { client, requests } = scriptedClient([partial(['b', 'd']), ok]);
    await using writer = writerFor(client);
    await writer.write(['a', 'b', 'c', 'd', 'e'], fakeBatchContext());
    await writer.flush(true);
    expect(requests).toEqual([
      ['a', 'b', 'c', 'd', 'e'],
      ['b', 'd'],
    ]);
  });

  it('fails with TRIB_KINESIS_PUT_FAILED on a rejected entry when failOnError is set', async () => {
    const { client } = scriptedClient([partial(['b'], 'KMSAccessDeniedException')]);
    await using writer = writerFor(client, { failOnError: true });
    await writer.write(['a', 'b'], fakeBatchContext());
    const error = (await writer.flush(true).catch((e: unknown) => e)) as TributaryError;
    expect(hasErrorCode(error, CoreErrorCodes.SINK_FATAL)).toBe(true);
    expect(hasErrorCode(error.cause, KinesisErrorCodes.PUT_FAILED)).toBe(true);
    expect((error.cause as TributaryError).message).toContain('KMSAccessDeniedException');
  });

  it('retries a throttled or 5xx request whole, and fails on a missing stream', async () => {
    const retried = scriptedClient([
      () => awsError('ProvisionedThroughputExceededException', 400),
      () => awsError('InternalFailure', 500),
      ok,
    ]);
    await using writer = writerFor(retried.client);
    await writer.write(['a', 'b'], fakeBatchContext());
    await writer.flush(true);
    expect(retried.requests).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);

    const missing = scriptedClient([() => awsError('ResourceNotFoundException', 400)]);
    await using failing = writerFor(missing.client);
    await failing.write(['a'], fakeBatchContext());
    const error = (await failing.flush(true).catch((e: unknown) => e)) as TributaryError;
    expect(hasErrorCode(error, CoreErrorCodes.SINK_FATAL)).toBe(true);
    expect(missing.requests).toHaveLength(1);
  });

  it('rejects a record over 1 MiB (data + key) with TRIB_RECORD_TOO_LARGE, or dead-letters it', async () => {
    const big = 'x'.repeat(1024 * 1024 - 7); // + 8 key characters: one byte over
    const { client, requests } = scriptedClient([]);
    await using writer = writerFor(client);
    const error = await writer.write(['a', big], fakeBatchContext()).catch((e: unknown) => e);
    expect(hasErrorCode(error, CoreErrorCodes.RECORD_TOO_LARGE)).toBe(true);
    expect((error as TributaryError).context.recordIndex).toBe(1);

    const deadLetters: KinesisPutEntry[] = [];
    await using lenient = writerFor(client, {}, deadLetters);
    await lenient.write(['a', big, 'c'], fakeBatchContext());
    await lenient.flush(true);
    expect(deadLetters.map((e) => e.data.byteLength)).toEqual([big.length]);
    expect(requests).toEqual([['a', 'c']]);
  });

  it('sends batches within 500 records and 5 MiB', async () => {
    const { client, requests } = scriptedClient([]);
    await using writer = writerFor(client, { maxInFlightRequests: 4 });
    await writer.write(
      Array.from({ length: 1200 }, (_, i) => `r${i}`),
      fakeBatchContext(),
    );
    await writer.flush(true);
    expect(Math.max(...requests.map((r) => r.length))).toBeLessThanOrEqual(500);
    expect(requests.flat()).toHaveLength(1200);

    const bytes = scriptedClient([]);
    await using large = writerFor(bytes.client, { maxInFlightRequests: 4 });
    const record = (i: number) => `${i}`.padEnd(900 * 1024, '.');
    await large.write(
      Array.from({ length: 12 }, (_, i) => record(i)),
      fakeBatchContext(),
    );
    await large.flush(true);
    for (const request of bytes.requests) {
      expect(request.reduce((sum, r) => sum + r.length + Math.min(8, r.length), 0)).toBeLessThanOrEqual(
        5 * 1024 * 1024,
      );
    }
    expect(bytes.requests.flat()).toHaveLength(12);
  });
});
