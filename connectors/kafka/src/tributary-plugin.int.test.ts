/** `tributary validate` checks of the Kafka plugin against the harness's real broker. */
import { type KafkaService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tributaryPlugin } from './tributary-plugin.js';

let kafka: KafkaService;
beforeAll(async () => {
  kafka = await useService('kafka');
});
afterAll(() => kafka?.close());

it('connects to the broker and finds the topics; a missing topic or an unreachable broker fails', async () => {
  const topic = await kafka.createTopic({ partitions: 1 });
  const brokers = [...kafka.connection.brokers];
  const source = tributaryPlugin.source;
  const sink = tributaryPlugin.sink;
  await expect(
    source?.check?.(source.options.parse({ brokers, topics: [topic], groupId: 'validate' })),
  ).resolves.toBeUndefined();
  await expect(sink?.check?.(sink.options.parse({ brokers, topic }))).resolves.toBeUndefined();
  await expect(sink?.check?.(sink.options.parse({ brokers, topic: `${topic}-missing` }))).rejects.toThrow(
    `topic(s) ${topic}-missing do not exist`,
  );
  // Nothing listens on port 1 of the loopback address.
  await expect(
    source?.check?.(
      source.options.parse({
        brokers: ['127.0.0.1:1'],
        topics: [topic],
        groupId: 'validate',
        connectionTimeoutMs: 500,
        retries: 0,
      }),
    ),
  ).rejects.toThrow();
});
