/** `tributary validate` checks of the Kinesis plugin against the harness's real emulator (kinesalite). */
import { hasErrorCode } from '@tributary/core';
import { type KinesisService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KinesisErrorCodes } from './kinesis-error-codes.js';
import { tributaryPlugin } from './tributary-plugin.js';

let kinesis: KinesisService;
beforeAll(async () => {
  kinesis = await useService('kinesis');
});
afterAll(() => kinesis?.close());

it('finds an active stream for the source and the sink, and names a missing one', async () => {
  const stream = await kinesis.createStream({ prefix: 'validate', shards: 2 });
  const { endpoint, region, credentials } = kinesis.connection;
  const source = tributaryPlugin.source;
  const sink = tributaryPlugin.sink;
  expect(
    await source?.check?.(source.options.parse({ endpoint, region, credentials, streamName: stream })),
  ).toBe(`stream ${stream}: ACTIVE, 2 open shard(s)`);
  expect(await sink?.check?.(sink.options.parse({ endpoint, region, credentials, streamName: stream }))).toBe(
    `stream ${stream}: ACTIVE, 2 open shard(s)`,
  );
  const missing = await source
    ?.check?.(
      source.options.parse({
        endpoint,
        region,
        credentials,
        streamName: `${stream}-missing`,
        maxAttempts: 1,
      }),
    )
    .catch((e: unknown) => e);
  expect(hasErrorCode(missing, KinesisErrorCodes.STREAM_NOT_FOUND)).toBe(true);
  expect((missing as Error).message).toContain(`${stream}-missing`);
  expect((missing as Error).message).not.toContain(credentials.secretAccessKey);
});
