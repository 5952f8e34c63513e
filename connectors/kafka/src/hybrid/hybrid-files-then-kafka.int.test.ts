import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSource, type FileSourceEndPosition } from '@tributary/connector-files';
import { HybridSource, Pipeline, silentLogger } from '@tributary/core';
import { type KafkaService, useService } from '@tributary/e2e';
import { JsonDeserializationSchema, JsonFileFormat } from '@tributary/format-json';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaRecordSerializer } from '../sink/kafka-record-serializer.js';
import { KafkaSink } from '../sink/kafka-sink.js';
import { valueOnly } from '../source/kafka-record-deserializer.js';
import { KafkaSource } from '../source/kafka-source.js';
import { readTopic } from '../testing-fixtures/committed-reader.js';
import { exactInput } from '../testing-fixtures/exact-input.js';

interface Event {
  readonly id: number;
  readonly ts: number;
  /** Where the copy that reached the sink came from (the archive and the topic both hold early ids). */
  readonly from: 'archive' | 'kafka';
}

const COUNT = 3000;
/** Events 0..1799 are archived to files; the topic holds all 3000 (it was archived, not truncated). */
const ARCHIVED = 1800;
const STEP_MS = 10;

describe('HybridSource: files (history) then Kafka from the timestamp where the files end', () => {
  let kafka: KafkaService;
  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  /**
   * Runs the hybrid job; `failOnIds` makes the map throw the first time it sees each id (so the
   * job restarts from its last checkpoint in-process), e.g. once in the files and once after the
   * switch to Kafka.
   */
  async function runHybrid(failOnIds: readonly number[]) {
    // Event time in whole seconds at the cut, so the file modification time (what FileSource's
    // endPosition() reports) is exact in ms.
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 600_000;
    const cut = t0 + ARCHIVED * STEP_MS; // first event time NOT in the archive
    const event = (id: number, from: Event['from']): Event => ({ id, ts: t0 + id * STEP_MS, from });

    const input = await kafka.createTopic({ prefix: 'hybrid-in', partitions: 2 });
    const output = await kafka.createTopic({ prefix: 'hybrid-out', partitions: 2 });
    const producer = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer(exactInput);
    await producer.connect();
    await producer.send({
      topic: input,
      messages: Array.from({ length: COUNT }, (_, id) => ({
        partition: id % 2,
        timestamp: String(t0 + id * STEP_MS), // CreateTime = event time
        value: JSON.stringify(event(id, 'kafka')),
      })),
    });
    await producer.disconnect();

    // The archiver's contract: a file holds every event older than its modification time, and the
    // newest file's modification time is the cut. Two files, the second one newest.
    const dir = await mkdtemp(join(tmpdir(), 'hybrid-kafka-'));
    const archive = join(dir, 'archive');
    await mkdir(archive);
    const half = ARCHIVED / 2;
    const files = [
      { name: 'part-0.jsonl', ids: [0, half], mtime: t0 + half * STEP_MS },
      { name: 'part-1.jsonl', ids: [half, ARCHIVED], mtime: cut },
    ] as const;
    for (const f of files) {
      const path = join(archive, f.name);
      const lines = [];
      for (let id = f.ids[0]; id < f.ids[1]; id++) lines.push(JSON.stringify(event(id, 'archive')));
      await writeFile(path, `${lines.join('\n')}\n`);
      await utimes(path, f.mtime / 1000, f.mtime / 1000);
    }

    try {
      // #region hybrid-files-then-kafka
      const source = HybridSource.builder<Event>(FileSource.forFormat(new JsonFileFormat<Event>(), archive))
        .addSource(({ previousEndPosition }) => {
          const end = previousEndPosition as FileSourceEndPosition | undefined;
          // No archive at all: the whole topic. Otherwise the first record at or after the cut
          // (Kafka's offsetsForTimes), i.e. exactly the first event the archive does not hold.
          const from = end?.maxModificationTime;
          return new KafkaSource<Event>(
            {
              brokers: kafka.brokers,
              topics: [input],
              startingOffsets:
                from === undefined || from === null ? 'earliest' : { timestamp: Math.round(from) },
              stoppingOffsets: 'latest',
            },
            valueOnly(new JsonDeserializationSchema<Event>()),
          );
        }, 'bounded')
        .build();
      // #endregion hybrid-files-then-kafka
      const failed = new Set<number>();
      const result = await Pipeline.from(source)
        .map((e) => {
          if (failOnIds.includes(e.id) && !failed.has(e.id)) {
            failed.add(e.id);
            throw new Error(`injected failure at event ${e.id}`);
          }
          return e;
        })
        .sinkTo(
          new KafkaSink<Event>(
            {
              brokers: kafka.brokers,
              deliveryGuarantee: 'exactly-once',
              transactionalIdPrefix: `${output}-job`,
            },
            kafkaRecordSerializer({ topic: output, value: (e) => JSON.stringify(e) }),
          ),
        )
        .execute(
          {
            parallelism: 2,
            checkpointing: { intervalMs: 100, directory: join(dir, 'checkpoints') },
            restartStrategy: { type: 'fixed-delay', attempts: Math.max(1, failOnIds.length), delayMs: 50 },
          },
          { logger: silentLogger },
        );
      expect(result.status).toBe('finished');
      expect(result.restarts).toBe(failOnIds.length);

      const out = (await readTopic(kafka.brokers, output))
        .flatMap((p) => p.values)
        .map((v) => JSON.parse(v) as Event)
        .sort((a, b) => a.id - b.id);
      expect(out.map((e) => e.id)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
      expect(out.filter((e) => e.from === 'archive').map((e) => e.id)).toEqual(
        Array.from({ length: ARCHIVED }, (_, i) => i),
      );
      expect(out.every((e) => e.ts === t0 + e.id * STEP_MS)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('one continuous exactly-once stream: every event once, archived ones from files, the rest from Kafka', async () => {
    await runHybrid([]);
  }, 60_000);

  it('the same after a failure while reading the files and another after the switch to Kafka', async () => {
    await runHybrid([ARCHIVED / 2 + 100, ARCHIVED + 600]);
  }, 60_000);
});
