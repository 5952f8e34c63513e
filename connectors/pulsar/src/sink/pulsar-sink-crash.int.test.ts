import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  crashSeed,
  type PulsarService,
  runWithCrashes,
  seededRandom,
  useService,
  waitUntil,
} from '@tributary/e2e';
import { PulsarClient } from '@tributary/pulsar-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashKeyOf } from './testing-fixtures/crash-keys.js';
import { readWithJavaClient } from './testing-fixtures/java-topic-reader.js';

/**
 * 20 SIGKILLs (the bar), in CI too since the e2e files run in two lanes;
 * `TRIB_PULSAR_SINK_CRASH_KILLS` sets another number for a quick local run.
 */
const KILLS = Number(process.env.TRIB_PULSAR_SINK_CRASH_KILLS ?? 20);
const PARTITIONS = 3;
// The map pauses 2 ms every 3 records (at most 1,500 records/s per subtask, 3,000 for the job)
// until the parent lets the last run go at full speed. A killed run gets through at most a few
// seconds of input after its first commit, so the runs cannot finish this many (asserted:
// finishedEarly is false) and every kill lands mid-stream.
const RECORDS = KILLS * 20_000;

const jobScript = fileURLToPath(new URL('./testing-fixtures/eos-crash-job.ts', import.meta.url));

/** Writes the job's input: record `index` as its decimal text, keyed {@link crashKeyOf}, in index order. */
async function writeInput(serviceUrl: string, topic: string): Promise<void> {
  const client = new PulsarClient({ serviceUrl });
  try {
    const producer = await client.createProducer({ topic, batchingMaxPublishDelayMs: 1, sendTimeoutMs: 0 });
    const encoder = new TextEncoder();
    let last: Promise<unknown> = Promise.resolve();
    for (let index = 0; index < RECORDS; index++) {
      last = producer.send({ payload: encoder.encode(String(index)), key: crashKeyOf(index, RECORDS) });
      if (index % 1000 === 999) await last;
    }
    await producer.flush();
    await last;
  } finally {
    await client.close();
  }
}

/** Open transactions on a partition, from the broker's transaction buffer. */
async function ongoingTransactions(pulsar: PulsarService, partition: string): Promise<number> {
  const path = partition.replace('persistent://', '');
  const stats = await pulsar.admin<{ ongoingTxnSize?: number }>(
    'GET',
    `/admin/v3/transactions/transactionBufferStats/${path}`,
  );
  return stats.ongoingTxnSize ?? 0;
}

describe(`Pulsar → map → Pulsar, exactly-once, under ${KILLS} SIGKILLs (real broker, child processes, Java oracle)`, () => {
  let pulsar: PulsarService;
  beforeAll(async () => {
    pulsar = await useService('pulsar');
  });
  afterAll(async () => {
    await pulsar?.close();
  });

  it(
    'kills at random moments and between pre-commit and commit; the Java client reads every input record exactly once, in per-key order',
    async () => {
      const input = await pulsar.createTopic({ prefix: 'eos-in', partitions: PARTITIONS });
      const output = await pulsar.createTopic({ prefix: 'eos-out', partitions: PARTITIONS });
      await writeInput(pulsar.connection.serviceUrl, input);
      const dir = await mkdtemp(join(tmpdir(), 'pulsar-crash-'));
      const unthrottle = join(dir, 'unthrottle');
      const seed = crashSeed();
      let lingeringAborted = 0;
      const started = Date.now();
      try {
        // Odd runs die on the runtime's "stored" marker of their first checkpoint with transactions
        // (durable, not yet committed; the runtime holds 150 ms there): the restore must commit them
        // by id. Even runs die at a random moment 0.3–4 s after their first commit, with records in
        // the receiving transaction and the next one opened ahead: the restore must abort both.
        // Timing kills from the run's own first commit (not from its start) keeps them after a
        // checkpoint even when a loaded machine makes a restore take many seconds.
        const result = await runWithCrashes({
          script: jobScript,
          args: [pulsar.connection.serviceUrl, input, output, join(dir, 'checkpoints'), unthrottle],
          kills: KILLS,
          minKillDelayMs: 300,
          maxKillDelayMs: 4000,
          killDelayFrom: 'committed',
          killOnStored: (run) => run % 2 === 1,
          onRunStart: (_run, final) => {
            if (final) void writeFile(unthrottle, '');
          },
          onLine: (line) => {
            if (line.startsWith('lingering-aborted ')) lingeringAborted += Number(line.split(' ')[1]);
          },
          timeoutMs: 60_000 + KILLS * 30_000,
          seed,
          random: seededRandom(seed),
        });
        const context = `${result.summary}; ${lingeringAborted} lingering transactions aborted; ${Date.now() - started} ms`;
        process.stdout.write(`pulsar sink crash test: ${context}\n`);
        expect(result.kills, context).toBe(KILLS);
        expect(result.finishedEarly, context).toBe(false);
        // Every run after the first restored from a checkpoint…
        expect(result.restoredRuns, context).toBe(result.runs - 1);
        // …several died between a checkpoint's storage and its commit (re-committed by id on restore)…
        expect(result.killsBetweenStoredAndCommitted, context).toBeGreaterThanOrEqual(Math.floor(KILLS / 4));
        // …and restores aborted by id the transactions killed runs left open.
        expect(lingeringAborted, context).toBeGreaterThan(0);

        // Nothing left open: a transaction no checkpoint knew ends by its 30 s timeout.
        for (let p = 0; p < PARTITIONS; p++) {
          await waitUntil(
            async () => {
              const open = await ongoingTransactions(pulsar, `${output}-partition-${p}`);
              if (open > 0) throw new Error(`${open} open`);
            },
            { timeoutMs: 60_000, what: `no open transaction on partition ${p}` },
          );
        }

        // The oracle shares no code with the connector or our client: Pulsar's own Java client.
        const messages = await readWithJavaClient(pulsar.connection.serviceUrl, output, PARTITIONS);
        const indices = messages.map((m) => {
          const [index, doubled] = m.value.split(':').map(Number);
          expect(doubled, m.value).toBe((index as number) * 2);
          expect(m.key, m.value).toBe(crashKeyOf(index as number, RECORDS));
          return index as number;
        });
        expect(indices.length, context).toBe(RECORDS);
        expect([...indices].sort((a, b) => a - b)).toEqual(Array.from({ length: RECORDS }, (_, i) => i));
        const byKey = new Map<string, number[]>();
        for (const [i, m] of messages.entries())
          byKey.set(m.key, [...(byKey.get(m.key) ?? []), indices[i] as number]);
        for (const [key, list] of byKey) {
          expect(
            list.every((index, k) => k === 0 || index > (list[k - 1] as number)),
            `key ${key} out of order`,
          ).toBe(true);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    240_000 + KILLS * 30_000,
  );
});
