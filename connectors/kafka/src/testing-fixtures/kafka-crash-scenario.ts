/**
 * Test-only: the Kafka → map → Kafka exactly-once crash scenario (kafka-crash.int.test.ts on the
 * single broker, kafka-cluster-crash.int.test.ts on the 3-broker cluster with a broker outage).
 * The job runs in child processes (eos-crash-job.ts) that are SIGKILLed at random moments and
 * between pre-commit and commit; the output is read with Kafka's own Java consumer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  crashSeed,
  type KafkaService,
  type KafkaServiceName,
  readCommittedWithJavaConsumer,
  runWithCrashes,
  seededRandom,
} from '@tributary/e2e';
import { Kafka, logLevel } from 'kafkajs';
import { expect } from 'vitest';
import { KAFKA_PHASE_MARKER_PREFIX } from '../sink/kafka-phase-markers.js';
import type { BrokerOutage } from './broker-outage.js';
import { exactInput } from './exact-input.js';

const PARTITIONS = 3;
const PER_PARTITION = 80_000;
// The map pauses 1 ms every 5 records (a few thousand records/s: fast enough for 200 ms
// checkpoints to complete, since a barrier waits behind the records already queued) until the
// parent lets the last run go at full speed. Runs are killed within 4 s of their start (marker
// runs within 8 s, most of them at their marker in 2–4 s), and lose what they did after their last
// checkpoint: ~20 × 2 s × 4k records/s = 160k of the 240k input at most in practice, so the kill
// quota is reached before the job can finish (asserted: finishedEarly is false).
const PAUSE_MS = 1;

/** Options of {@link runExactlyOnceCrashScenario}. */
export interface CrashScenarioOptions {
  /** Job SIGKILLs before the last run may finish. */
  readonly kills: number;
  /** Kills that must land on the committer's "pre-committed, not yet committed" marker. */
  readonly minMarkerKills: number;
  /** Deadline of the whole kill loop. */
  readonly timeoutMs: number;
  /** A broker killed and restarted while the job runs (the cluster only). */
  readonly outage?: BrokerOutage;
  /**
   * What the kill timer counts from (see `runWithCrashes`): `restored` keeps kills out of the
   * start-up of a run, which on a loaded machine can outlast the whole kill window. Default `spawn`.
   */
  readonly killDelayFrom?: 'spawn' | 'restored';
}

/** Produces the input, runs the crash loop and checks the output with the Java consumer. */
export async function runExactlyOnceCrashScenario<N extends KafkaServiceName>(
  kafka: KafkaService<N>,
  options: CrashScenarioOptions,
): Promise<void> {
  const { kills, outage } = options;
  const input = await kafka.createTopic({ prefix: 'crash-in', partitions: PARTITIONS });
  const output = await kafka.createTopic({ prefix: 'crash-out', partitions: PARTITIONS });
  await produceInput(kafka.brokers, input);

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
  outage?.watch(output);
  try {
    const outcome = await runWithCrashes({
      script: fileURLToPath(new URL('./eos-crash-job.ts', import.meta.url)),
      args: [
        kafka.brokers.join(','),
        input,
        output,
        join(dir, 'checkpoints'),
        `${output}-job`,
        String(PAUSE_MS),
        unthrottle,
      ],
      env: {
        TRIB_KAFKA_TEST_PHASE_MARKERS: '1',
        TRIB_KAFKA_TEST_PHASE_HOLD_MS: '150',
      },
      killDelayFrom: options.killDelayFrom ?? 'spawn',
      kills,
      minKillDelayMs: 1000,
      maxKillDelayMs: 4000,
      // Marker runs get a later timer fallback: on a loaded machine the first checkpoints after
      // a restore can take over a second each, and the 1–4 s timer pre-empted most markers.
      killDelayForRun: (run) => (run % 2 === 1 ? [6000, 8000] : [1000, 4000]),
      timeoutMs: options.timeoutMs,
      seed,
      random,
      killOnLine: (line, run) => {
        if (!line.startsWith('progress'))
          timeline.push(`${run}@${Date.now() - started}: ${line.slice(0, 50)}`);
        outage?.see(line, run);
        // The last run goes at full speed, once a broker outage (if any) is over.
        if (line === 'started' && run > kills)
          void (outage?.back() ?? Promise.resolve()).then(() => writeFile(unthrottle, ''));
        if (line.startsWith('finished restored=') && !line.endsWith('none')) restoredRuns++;
        if (run > kills) return false;
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
    const outageSummary = outage === undefined ? '' : `; ${outage.summary()}`;
    const lastCheckpoint = Math.max(0, ...outcome.perRun.map((r) => r.restoredFrom ?? 0));
    const context = `${outcome.summary}; ${outcome.runs} runs, ${outcome.killsBetweenStoredAndCommitted} kills between stored and committed, checkpoint ids reached ${lastCheckpoint}, killed on marker in runs ${killedOnMarker.join(',')}, on progress in runs ${killedOnProgress.join(',')}, ${Date.now() - started} ms${outageSummary}`;
    process.stdout.write(`kafka crash test: ${context}\n`);
    // The per-run timeline (start, markers, end) explains a schedule that missed its markers.
    if (killedOnMarker.length < options.minMarkerKills || outcome.finishedEarly)
      process.stdout.write(`${timeline.join('\n')}\n`);
    expect(outcome.kills, context).toBe(kills);
    expect(outcome.finishedEarly, context).toBe(false);
    expect(restoredRuns, context).toBe(1);
    // Most marker runs reach their marker before the timer: several kills fell between the phases.
    expect(killedOnMarker.length, context).toBeGreaterThanOrEqual(options.minMarkerKills);
    // …and each of those died before its commit: no "committed" line followed the marker.
    for (const run of killedOnMarker) {
      const lines = timeline.filter((l) => l.startsWith(`${run}@`));
      const last = lines.findLastIndex((l) => l.includes(' precommitted '));
      expect(
        lines.slice(last + 1).filter((l) => l.includes(' committed ')),
        `run ${run}`,
      ).toEqual([]);
    }
    if (outage !== undefined) await outage.verify(context);

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
    await outage?.over().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/** `p<partition>-<i>` into each partition, in order, keyed by partition. */
async function produceInput(brokers: readonly string[], topic: string): Promise<void> {
  const producer = new Kafka({ brokers: [...brokers], logLevel: logLevel.NOTHING }).producer(exactInput);
  await producer.connect();
  try {
    for (let p = 0; p < PARTITIONS; p++) {
      for (let start = 0; start < PER_PARTITION; start += 10_000) {
        await producer.send({
          topic,
          messages: Array.from({ length: 10_000 }, (_, i) => ({
            partition: p,
            key: `p${p}`,
            value: `p${p}-${start + i}`,
          })),
        });
      }
    }
  } finally {
    await producer.disconnect();
  }
}
