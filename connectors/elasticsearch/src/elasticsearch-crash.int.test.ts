import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@elastic/elasticsearch';
import { type ElasticsearchService, runWithCrashes, seededRandom, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ES_PHASE_MARKER_PREFIX } from './sink/elasticsearch-phase-markers.js';

const KILLS = 20;
// 2 × DOCUMENTS records at RATE records/s. Kills are placed by the run's own output, since a
// child needs from one to ten seconds to start depending on the machine's load: odd runs right
// after an acknowledged bulk request, even runs after 250–2500 records; a timer is only the
// fallback. 20 such runs cannot finish the input, so every kill lands mid-stream (asserted:
// finishedEarly is false); the last run goes unpaced.
const DOCUMENTS = 15_000;
const RATE = 400;

describe('datagen → Elasticsearch upsert with ids under 20 SIGKILLs (real Elasticsearch, child processes)', () => {
  let es: ElasticsearchService;
  let client: Client;
  beforeAll(async () => {
    es = await useService('elasticsearch');
    client = es.createClient();
  });
  afterAll(async () => {
    await es?.close();
  });

  it('kills after acknowledged bulks (before their checkpoint) and at random; the index ends with exactly the expected documents', async () => {
    const index = await es.createIndex({ prefix: 'crash-upsert', settings: { number_of_shards: 2 } });
    const dir = await mkdtemp(join(tmpdir(), 'es-crash-'));
    const unthrottle = join(dir, 'unthrottle');
    const seed = Date.now() % 1_000_000;
    const random = seededRandom(seed);
    const killedOnMarker: number[] = [];
    const killedOnProgress: number[] = [];
    const target = new Map<number, number>();
    const progressed = new Set<number>();
    let finishedRestored = '';
    const started = Date.now();
    const timeline: string[] = [];
    try {
      const outcome = await runWithCrashes({
        script: fileURLToPath(new URL('./testing-fixtures/upsert-crash-job.ts', import.meta.url)),
        args: [es.node, index, join(dir, 'checkpoints'), String(DOCUMENTS), String(RATE), unthrottle],
        env: { TRIB_ES_TEST_PHASE_MARKERS: '1', TRIB_ES_TEST_PHASE_HOLD_MS: '100' },
        kills: KILLS,
        minKillDelayMs: 20_000,
        maxKillDelayMs: 25_000,
        timeoutMs: 540_000,
        random,
        killOnLine: (line, run) => {
          if (!line.startsWith('progress ') && !line.startsWith(ES_PHASE_MARKER_PREFIX))
            timeline.push(`${run}@${Date.now() - started}: ${line.slice(0, 60)}`);
          if (line.startsWith('progress ') && !progressed.has(run))
            timeline.push(`${run}@${Date.now() - started}: ${line}`);
          if (line.startsWith('finished restored='))
            finishedRestored = line.slice('finished restored='.length);
          if (run > KILLS) return false;
          if (line.startsWith('progress ')) {
            const count = Number(line.slice('progress '.length));
            // The run is past start-up and restore, writing.
            if (count >= 250) progressed.add(run);
          }
          // Odd runs: killed right after a bulk request was acknowledged, once the run made progress —
          // its documents are in the index but no completed checkpoint covers their records yet.
          if (
            run % 2 === 1 &&
            progressed.has(run) &&
            line.startsWith(`${ES_PHASE_MARKER_PREFIX} bulk-acknowledged`)
          ) {
            // Lines still arriving before the process is gone may ask again: count runs once.
            if (!killedOnMarker.includes(run)) killedOnMarker.push(run);
            return true;
          }
          // Even runs: killed at a random point of the stream.
          if (run % 2 === 0 && line.startsWith('progress ')) {
            if (!target.has(run)) target.set(run, 250 * (1 + Math.floor(random() * 10)));
            if (Number(line.slice('progress '.length)) < (target.get(run) ?? 0)) return false;
            if (!killedOnProgress.includes(run)) killedOnProgress.push(run);
            return true;
          }
          return false;
        },
        onRunStart: (_run, final) => {
          if (final) writeFileSync(unthrottle, '');
        },
      });
      const context = `seed ${seed}, ${outcome.runs} runs, killed on marker in runs ${killedOnMarker.join(',')}, on progress in runs ${killedOnProgress.join(',')}, ${Date.now() - started} ms`;
      process.stdout.write(`elasticsearch crash test: ${context}\n`);
      if (killedOnMarker.length < 5 || outcome.finishedEarly)
        process.stdout.write(`${timeline.join('\n')}\n`);
      expect(outcome.kills, context).toBe(KILLS);
      expect(outcome.finishedEarly, context).toBe(false);
      // Kills where they matter: after acknowledged bulks before their checkpoint, and mid-stream.
      expect(killedOnMarker.length, context).toBeGreaterThanOrEqual(8);
      expect(killedOnProgress.length, context).toBeGreaterThanOrEqual(8);
      // The last run restored from a checkpoint a killed run took (not a fresh start).
      expect(finishedRestored, context).toMatch(/^\d+$/);

      // Oracle: the official client's own search, not the connector.
      await client.indices.refresh({ index });
      expect((await client.count({ index })).count, context).toBe(DOCUMENTS);
      const found = new Map<string, unknown>();
      for await (const hit of client.helpers.scrollSearch<{ id: number; a: string; b: string }>({
        index,
        size: 5000,
        sort: ['_doc'],
      })) {
        for (const doc of hit.body.hits.hits) found.set(doc._id as string, doc._source);
      }
      expect(found.size).toBe(DOCUMENTS);
      for (let i = 0; i < DOCUMENTS; i++) {
        const doc = found.get(String(i));
        if (JSON.stringify(doc) !== JSON.stringify({ id: i, a: `a${i}`, b: `b${i}` })) {
          expect(doc, `document ${i}; ${context}`).toEqual({ id: i, a: `a${i}`, b: `b${i}` });
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 570_000);
});
