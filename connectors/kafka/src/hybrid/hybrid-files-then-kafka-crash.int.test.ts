import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePhaseMarker } from '@tributary/core';
import { type KafkaService, runWithCrashes, startChildJob, useService } from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopic } from '../testing-fixtures/committed-reader.js';
import { exactInput } from '../testing-fixtures/exact-input.js';
import type { HybridCrashEvent } from '../testing-fixtures/hybrid-crash-job.js';

const COUNT = 8000;
/** Events 0..1799 are archived to files; the topic holds all of them. */
const ARCHIVED = 1800;
const STEP_MS = 10;
const JOB = fileURLToPath(new URL('../testing-fixtures/hybrid-crash-job.ts', import.meta.url));

describe('Hybrid(files → bounded Kafka) → Kafka exactly-once, SIGKILLed after the switch (child processes)', () => {
  let kafka: KafkaService;
  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  it('restores from a checkpoint taken after the switch, finishes with every record once; a re-run of the finished job exits by itself', async () => {
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 600_000;
    const cut = t0 + ARCHIVED * STEP_MS;
    const event = (id: number, from: HybridCrashEvent['from']): HybridCrashEvent => ({
      id,
      ts: t0 + id * STEP_MS,
      from,
    });
    const input = await kafka.createTopic({ prefix: 'hybrid-crash-in', partitions: 2 });
    const output = await kafka.createTopic({ prefix: 'hybrid-crash-out', partitions: 2 });
    const producer = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer(exactInput);
    await producer.connect();
    await producer.send({
      topic: input,
      messages: Array.from({ length: COUNT }, (_, id) => ({
        partition: id % 2,
        timestamp: String(t0 + id * STEP_MS),
        value: JSON.stringify(event(id, 'kafka')),
      })),
    });
    await producer.disconnect();

    const dir = await mkdtemp(join(tmpdir(), 'hybrid-crash-'));
    const archive = join(dir, 'archive');
    await mkdir(archive);
    const lines: string[] = [];
    for (let id = 0; id < ARCHIVED; id++) lines.push(JSON.stringify(event(id, 'archive')));
    await writeFile(join(archive, 'part-0.jsonl'), `${lines.join('\n')}\n`);
    await utimes(join(archive, 'part-0.jsonl'), cut / 1000, cut / 1000);
    const args = [kafka.brokers.join(','), archive, input, output, join(dir, 'checkpoints'), `${output}-job`];

    try {
      // Run 1 dies at the first checkpoint stored after it read from Kafka (its commit held back),
      // so run 2 restores hybrid state from after the switch: Kafka splits, no file splits.
      let switchedIn = 0;
      let killedAt: number | undefined;
      const finalLines: string[] = [];
      const outcome = await runWithCrashes({
        script: JOB,
        args,
        kills: 1,
        minKillDelayMs: 60_000,
        maxKillDelayMs: 60_000,
        timeoutMs: 120_000,
        killOnLine: (line, run) => {
          if (run > 1) {
            finalLines.push(line);
            return false;
          }
          if (line === 'switched') switchedIn = run;
          const marker = parsePhaseMarker(line);
          if (switchedIn === run && marker?.phase === 'stored' && Number(marker.details[0]) > 0) {
            killedAt = marker.checkpointId;
            return true;
          }
          return false;
        },
      });
      const context = `${outcome.summary}; final run: ${finalLines.filter((l) => !l.startsWith('TRIB_PHASE s')).join(' | ')}`;
      expect(outcome.kills, context).toBe(1);
      expect(killedAt, context).toBeDefined();
      expect(outcome.perRun[0]?.killedBetweenStoredAndCommitted, context).toBe(true);
      // The final run restored from the checkpoint taken after the switch (or a later one).
      expect(outcome.perRun[1]?.restoredFrom, context).toBeGreaterThanOrEqual(killedAt as number);
      expect(
        finalLines.some((l) => l.startsWith('finished finished')),
        context,
      ).toBe(true);

      const out = (await readTopic(kafka.brokers, output))
        .flatMap((p) => p.values)
        .map((v) => JSON.parse(v) as HybridCrashEvent)
        .sort((a, b) => a.id - b.id);
      expect(out.map((e) => e.id)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
      expect(out.filter((e) => e.from === 'archive').map((e) => e.id)).toEqual(
        Array.from({ length: ARCHIVED }, (_, i) => i),
      );

      // A re-run with the same checkpoint directory finds the job finished and must exit on its
      // own: the committer (a Kafka connection) it opened is closed again.
      let resultAt = 0;
      const rerun = startChildJob({
        script: JOB,
        args,
        onLine: (line) => {
          if (line.startsWith('finished ')) resultAt = Date.now();
        },
      });
      const killer = setTimeout(() => rerun.child.kill('SIGKILL'), 60_000);
      const exit = await rerun.exited;
      clearTimeout(killer);
      expect(resultAt, rerun.stderr()).toBeGreaterThan(0);
      expect(exit, rerun.stderr()).toEqual({ code: 0, signal: null });
      // Nothing keeps the process alive after the result (kafkajs disconnects in well under this).
      expect(Date.now() - resultAt).toBeLessThan(15_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
