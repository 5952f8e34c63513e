import {
  MetricRegistry,
  type ReaderOutput,
  type SourceOutput,
  SourceReaderMetricGroup,
  silentLogger,
} from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient } from '../client/kafka-client.js';
import { exactInput } from '../testing-fixtures/exact-input.js';
import { kafkaPartitionSplit } from './kafka-partition-split.js';
import { utf8Schema, valueOnly } from './kafka-record-deserializer.js';
import { KafkaSourceOptions } from './kafka-source-options.js';
import { KafkaSourceReader } from './kafka-source-reader.js';

describe('KafkaSourceReader metrics (real broker)', () => {
  let kafka: KafkaService;
  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  it('reports per-partition currentOffset and committedOffset, commitsSucceeded/commitsFailed and recordsLagMax', async () => {
    const topic = await kafka.createTopic({ partitions: 2 });
    const admin = await kafka.adminClient();
    const client = new Kafka({ brokers: [...kafka.brokers] }).producer(exactInput);
    await client.connect();
    await client.send({
      topic,
      messages: [
        ...Array.from({ length: 3 }, (_, i) => ({ partition: 0, value: `a${i}` })),
        ...Array.from({ length: 5 }, (_, i) => ({ partition: 1, value: `b${i}` })),
      ],
    });
    await client.disconnect();

    const options = KafkaSourceOptions.parse({
      brokers: kafka.brokers,
      topics: [topic],
      groupId: `${topic}-g`,
    });
    const registry = new MetricRegistry();
    const reader = new KafkaSourceReader(
      createKafkaClient(options, silentLogger),
      options,
      valueOnly(utf8Schema),
      {
        subtaskId: 0,
        parallelism: 1,
        metricGroup: new SourceReaderMetricGroup(registry, { subtask: '0' }),
        logger: silentLogger,
        location: 'test',
        sendSplitRequest: () => undefined,
        sendSourceEventToCoordinator: () => undefined,
      },
    );
    const read: string[] = [];
    const split: SourceOutput<string> = {
      collect: (v) => read.push(v),
      emitWatermark: () => undefined,
      markIdle: () => undefined,
      markActive: () => undefined,
    };
    const output: ReaderOutput<string> = {
      ...split,
      createOutputForSplit: () => split,
      releaseOutputForSplit: () => undefined,
    };
    const metric = (name: string, partition?: string) =>
      registry
        .metrics()
        .find(
          (m) =>
            m.name === name &&
            (partition === undefined ? m.labels.partition === undefined : m.labels.partition === partition),
        )
        ?.read();
    try {
      await reader.start();
      reader.addSplits([kafkaPartitionSplit(topic, 0, 0), kafkaPartitionSplit(topic, 1, 0)]);
      const deadline = Date.now() + 30_000;
      while (read.length < 8 && Date.now() < deadline) {
        if (reader.pollNext(output) === 'nothing')
          await Promise.race([reader.isAvailable(), new Promise((r) => setTimeout(r, 100))]);
      }
      expect(read).toHaveLength(8);
      expect(metric('currentOffset', '0')).toBe(3);
      expect(metric('currentOffset', '1')).toBe(5);
      expect(metric('committedOffset', '0')).toBeUndefined();
      expect(metric('recordsLagMax')).toBe(0);
      expect(metric('commitsSucceeded')).toBe(0);

      reader.snapshotState(1);
      reader.notifyCheckpointComplete(1);
      await reader.offsetCommitsSettled();
      expect(metric('commitsSucceeded')).toBe(1);
      expect(metric('commitsFailed')).toBe(0);
      expect(metric('committedOffset', '0')).toBe(3);
      expect(metric('committedOffset', '1')).toBe(5);
      const [committed] = await admin.fetchOffsets({ groupId: `${topic}-g`, topics: [topic] });
      expect(committed?.partitions.map((p) => p.offset).sort()).toEqual(['3', '5']);

      // The group has an active member elsewhere: the commit (generation -1) is refused.
      const member = new Kafka({ brokers: [...kafka.brokers] }).consumer({ groupId: `${topic}-g` });
      const joined = new Promise((resolve) => member.on(member.events.GROUP_JOIN, resolve));
      await member.connect();
      await member.subscribe({ topics: [topic] });
      await member.run({ eachMessage: async () => undefined });
      await joined;
      try {
        reader.snapshotState(2);
        reader.notifyCheckpointComplete(2);
        await reader.offsetCommitsSettled();
        expect(metric('commitsFailed')).toBe(1);
      } finally {
        await member.disconnect();
      }
    } finally {
      await reader.close();
    }
  }, 90_000);
});
