import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  crashSeed,
  type KafkaService,
  readCommittedWithJavaConsumer,
  runWithCrashes,
  seededRandom,
  useService,
} from '@tributary/e2e';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KAFKA_PHASE_MARKER_PREFIX } from './sink/kafka-phase-markers.js';

const KILLS = 20;
const PARTITIONS = 3;
const PER_PARTITION = 80_000;
// The map pauses 1 ms every 5 records (a few thousand records/s: fast enough for 200 ms
// checkpoints to complete, since a barrier waits behind the records already queued) until the
// parent lets the last run go at full speed. Runs are killed within 4 s of their start (marker
// runs within 8 s, most of them at their marker in 2–4 s), and lose what they did after their last
// checkpoint: ~20 × 2 s × 4k records/s = 160k of the 240k input at most in practice, so the kill
// quota is reached before the job can finish (asserted: finishedEarly is false).
const PAUSE_MS = 1;

describe('Kafka → map → Kafka exactly-once under 20 SIGKILLs (real broker, child processes)', () => {
  let kafka: KafkaService;
  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  it('kills at random moments and between pre-commit and commit; read_committed output holds every input record exactly once, in order', async () => {
    const input = await kafka.createTopic({ prefix: 'crash-in', partitions: PARTITIONS });
    const output = await kafka.createTopic({ prefix: 'crash-out', partitions: PARTITIONS });
    const producer = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    for (let p = 0; p < PARTITIONS; p++) {
      for (let start = 0; start < PER_PARTITION; start += 10_000) {
        await producer.send({
          topic: input,
          messages: Array.from({ length: 10_000 }, (_, i) => ({
            partition: p,
            key: `p${p}`,
            value: `p${p}-${start + i}`,
          })),
        });
      }
    }
    await producer.disconnect();

    const dir = await mkdtemp(join(tmpdir(), 'kafka-crash-'));
    const unthrottle = join(dir, 'unthrottle');
    const seed = crashSeed();
    const random = seededRandom(seed);
    // Kill schedule, by run: odd runs on the first or second "pre-committed, not yet committed"
    // marker of the committer (it holds 150 ms after printing it) after the run made progress
    // (the marker right at start-up is the re-commit of the restored checkpoint); 2, 6, 10, … at a random point of
    // the stream (a progress line after 250–2500 records); 4, 8, 12, … by the timer alone, at any
    // moment (start-up, recovery, writing, committing). The timer is every run's fallback.
    const target = new Map<number, number>();
    const markersSeen = new Map<number, number>();
    const killedOnMarker: number[] = [];
    const progressed = new Set<number>();
    const killedOnProgress: number[] = [];
    let restoredRuns = 0;
    const timeline: string[] = [];
    const started = Date.now();
    try {
      const outcome = await runWithCrashes({
        script: fileURLToPath(new URL('./testing-fixtures/eos-crash-job.ts', import.meta.url)),
        args: [
          kafka.brokers.join(','),
          input,
          output,
          join(dir, 'checkpoints'),
          `${output}-job`,
          String(PAUSE_MS),
          unthrottle,
        ],
        env: { TRIB_KAFKA_TEST_PHASE_MARKERS: '1', TRIB_KAFKA_TEST_PHASE_HOLD_MS: '150' },
        kills: KILLS,
        minKillDelayMs: 1000,
        maxKillDelayMs: 4000,
        // Marker runs get a later timer fallback: on a loaded machine the first checkpoints after
        // a restore can take over a second each, and the 1–4 s timer pre-empted most markers.
        killDelayForRun: (run) => (run % 2 === 1 ? [6000, 8000] : [1000, 4000]),
        timeoutMs: 150_000,
        seed,
        random,
        killOnLine: (line, run) => {
          if (!line.startsWith('progress'))
            timeline.push(`${run}@${Date.now() - started}: ${line.slice(0, 50)}`);
          if (line === 'started' && run > KILLS) void writeFile(unthrottle, '');
          if (line.startsWith('finished restored=') && !line.endsWith('none')) restoredRuns++;
          if (run > KILLS) return false;
          if (line.startsWith('progress ')) progressed.add(run);
          if (
            run % 2 === 1 &&
            progressed.has(run) &&
            line.startsWith(`${KAFKA_PHASE_MARKER_PREFIX} precommitted`)
          ) {
            if (!target.has(run)) target.set(run, 1 + Math.floor(random() * 2));
            const seen = (markersSeen.get(run) ?? 0) + 1;
            markersSeen.set(run, seen);
            if (seen !== target.get(run)) return false;
            killedOnMarker.push(run);
            return true;
          }
          if (run % 4 === 2 && line.startsWith('progress ')) {
            if (!target.has(run)) target.set(run, 250 * (1 + Math.floor(random() * 10)));
            if (Number(line.slice('progress '.length)) < (target.get(run) ?? 0)) return false;
            killedOnProgress.push(run);
            return true;
          }
          return false;
        },
      });
      const lastCheckpoint = Math.max(0, ...outcome.perRun.map((r) => r.restoredFrom ?? 0));
      const context = `${outcome.summary}; ${outcome.runs} runs, ${outcome.killsBetweenStoredAndCommitted} kills between stored and committed, checkpoint ids reached ${lastCheckpoint}, killed on marker in runs ${killedOnMarker.join(',')}, on progress in runs ${killedOnProgress.join(',')}, ${Date.now() - started} ms`;
      process.stdout.write(`kafka crash test: ${context}\n`);
      // The per-run timeline (start, markers, end) explains a schedule that missed its markers.
      if (killedOnMarker.length < 4 || outcome.finishedEarly)
        process.stdout.write(`${timeline.join('\n')}\n`);
      expect(outcome.kills, context).toBe(KILLS);
      expect(outcome.finishedEarly, context).toBe(false);
      expect(restoredRuns, context).toBe(1);
      // Most marker runs reach their marker before the timer: several kills fell between the phases.
      expect(killedOnMarker.length, context).toBeGreaterThanOrEqual(4);
      // …and each of those died before its commit: no "committed" line followed the marker.
      for (const run of killedOnMarker) {
        const lines = timeline.filter((l) => l.startsWith(`${run}@`));
        const last = lines.findLastIndex((l) => l.includes(' precommitted '));
        expect(
          lines.slice(last + 1).filter((l) => l.includes(' committed ')),
          `run ${run}`,
        ).toEqual([]);
      }

      // The oracle shares no code with the connector: Kafka's own Java consumer, read_committed.
      const partitions = await readCommittedWithJavaConsumer(kafka.brokers, output);
      expect(partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
      for (const p of partitions) {
        expect(p.values.length, `partition ${p.partition}; ${context}`).toBe(PER_PARTITION);
        expect(p.values).toEqual(Array.from({ length: PER_PARTITION }, (_, i) => `p${p.partition}-${i}`));
        // Nothing left open: every transaction of the killed runs was committed or aborted.
        expect(p.lastStableOffset).toBe(p.highWatermark);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
