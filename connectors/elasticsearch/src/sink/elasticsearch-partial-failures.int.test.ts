/**
 * One bulk request holding every kind of item failure at once, against the real Elasticsearch
 * (through a proxy for the 429s and the 413, see fault-injecting-proxy.ts): a mapping conflict
 * (`long` field receiving text), an index with `index.blocks.write`, items throttled with 429
 * twice, and a document larger than the request size limit. Documents have no ids, so a
 * duplicate would show as a second document: each good item must be indexed exactly once, each
 * bad one dead-lettered / counted / failing the job, per `onItemError`.
 */
import type { Client } from '@elastic/elasticsearch';
import { CollectionSource, hasErrorCode, MetricRegistry, Pipeline, silentLogger } from '@tributary/core';
import { type ElasticsearchService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElasticsearchErrorCodes } from '../elasticsearch-error-codes.js';
import {
  type FaultInjectingProxy,
  startFaultInjectingProxy,
} from '../testing-fixtures/fault-injecting-proxy.js';
import type { ElasticsearchDeadLetter } from './elasticsearch-dead-letter.js';
import { ElasticsearchSink } from './elasticsearch-sink.js';
import type { ElasticsearchSinkOptionsInput } from './elasticsearch-sink-options.js';

interface Doc {
  readonly key: string;
  readonly target: string;
  readonly n: number | string;
  readonly pad?: string;
}

const MAX_CONTENT_LENGTH = 64 * 1024;

describe('ElasticsearchSink: every kind of item failure in one bulk request', () => {
  let es: ElasticsearchService;
  let client: Client;

  beforeAll(async () => {
    es = await useService('elasticsearch');
    client = es.createClient();
  });
  afterAll(async () => {
    await es?.close();
  });

  /** Fresh indices and proxy; the records, and which keys must end up where. */
  async function scenario() {
    const mappings = { properties: { n: { type: 'long' }, key: { type: 'keyword' } } };
    const open = await es.createIndex({ prefix: 'partial-open', mappings });
    const blocked = await es.createIndex({
      prefix: 'partial-blocked',
      mappings,
      settings: { 'index.blocks.write': true },
    });
    const records: Doc[] = [];
    const good: string[] = [];
    const bad = new Map<string, string>(); // key → the error type expected
    for (let i = 0; i < 60; i++) {
      const key = `k${i}`;
      if (i % 10 === 3) {
        records.push({ key, target: open, n: `not a number ${i}` });
        bad.set(key, 'document_parsing_exception');
      } else if (i % 10 === 7) {
        records.push({ key, target: blocked, n: i });
        bad.set(key, 'cluster_block_exception');
      } else if (i === 42) {
        records.push({ key, target: open, n: i, pad: 'x'.repeat(MAX_CONTENT_LENGTH + 1000) });
        bad.set(key, 'request_entity_too_large');
      } else {
        records.push({ key, target: open, n: i });
        good.push(key);
      }
    }
    // Throttled twice each, then accepted: they must be retried, and only they.
    const throttle = new Map(['k0', 'k5', 'k11', 'k58'].map((k) => [k, 2]));
    const proxy = await startFaultInjectingProxy({
      target: es.node,
      throttleField: 'key',
      throttle,
      maxContentLength: MAX_CONTENT_LENGTH,
    });
    return { open, blocked, records, good, bad, proxy };
  }

  const sinkOptions = (proxy: FaultInjectingProxy): ElasticsearchSinkOptionsInput => ({
    nodes: proxy.url,
    index: '{target}',
    // One bulk request for all 60 (sent at the end of input), retries quick.
    maxBatchSize: 1000,
    maxTimeInBufferMs: 60_000,
    maxRecordSizeInBytes: 1024 * 1024,
    retryInitialDelayMs: 10,
    retryMaxDelayMs: 50,
    clientMaxRetries: 0,
  });

  /** Keys indexed in `index`, with how often each occurs (read with the official client). */
  async function indexedKeys(index: string): Promise<Map<string, number>> {
    await client.indices.refresh({ index });
    const result = await client.search<Doc>({ index, size: 1000 });
    const counts = new Map<string, number>();
    for (const hit of result.hits.hits) {
      const key = (hit._source as Doc).key;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  it('dead-letter: good items indexed exactly once, each refused item dead-lettered once with its reason', async () => {
    const t = await scenario();
    try {
      const letters: ElasticsearchDeadLetter[] = [];
      const registry = new MetricRegistry();
      const result = await Pipeline.from(new CollectionSource(t.records))
        .sinkTo(
          new ElasticsearchSink<Doc>(
            { ...sinkOptions(t.proxy), onItemError: 'dead-letter' },
            { deadLetter: async (letter) => void letters.push(letter) },
          ),
        )
        .execute({}, { metricRegistry: registry, logger: silentLogger });
      expect(result.status).toBe('finished');
      expect(t.proxy.injected.throttled).toBe(8);
      expect(t.proxy.injected.tooLarge).toBeGreaterThanOrEqual(2); // the whole request, then halves

      const indexed = await indexedKeys(t.open);
      expect([...indexed.keys()].sort()).toEqual([...t.good].sort());
      expect([...indexed.values()].every((count) => count === 1)).toBe(true);
      expect((await client.count({ index: t.blocked })).count).toBe(0);

      const lettered = new Map(letters.map((l) => [(JSON.parse(l.document ?? '{}') as Doc).key, l]));
      expect(letters).toHaveLength(t.bad.size);
      for (const [key, type] of t.bad) {
        const letter = lettered.get(key);
        expect(letter?.error.type, key).toBe(type);
        expect(letter?.error.code).toBe('TRIB_ASYNC_SINK_ENTRY_REJECTED');
        expect(letter?.error.reason.length).toBeGreaterThan(0);
      }
      expect(lettered.get('k3')?.status).toBe(400);
      expect(lettered.get('k3')?.error.reason).toMatch(/failed to parse field \[n\]/);
      expect(lettered.get('k7')?.status).toBe(403);
      expect(lettered.get('k42')?.status).toBe(413);
      expect(registry.sum('numRecordsOutErrors')).toBeGreaterThanOrEqual(t.bad.size);
    } finally {
      await t.proxy.close();
    }
  });

  it('skip-and-count: refused items counted in numRecordsOutErrors, good items exactly once', async () => {
    const t = await scenario();
    try {
      const registry = new MetricRegistry();
      const result = await Pipeline.from(new CollectionSource(t.records))
        .sinkTo(new ElasticsearchSink<Doc>({ ...sinkOptions(t.proxy), onItemError: 'skip-and-count' }))
        .execute({}, { metricRegistry: registry, logger: silentLogger });
      expect(result.status).toBe('finished');
      const indexed = await indexedKeys(t.open);
      expect([...indexed.keys()].sort()).toEqual([...t.good].sort());
      expect([...indexed.values()].every((count) => count === 1)).toBe(true);
      // Every refused item, plus each failed attempt of a throttled one (8), and no more.
      expect(registry.sum('numRecordsOutErrors')).toBe(t.bad.size + 8);
      expect(registry.sum('numRecordsOut')).toBe(t.good.length);
    } finally {
      await t.proxy.close();
    }
  });

  it('fail (default): the job fails with an error naming the first refused item and its reason', async () => {
    const t = await scenario();
    try {
      const failure = await Pipeline.from(new CollectionSource(t.records))
        .sinkTo(new ElasticsearchSink<Doc>(sinkOptions(t.proxy)))
        .execute({ restartStrategy: { type: 'none' } }, { logger: silentLogger })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(hasErrorCode(failure, ElasticsearchErrorCodes.ITEM_REJECTED)).toBe(true);
      const messages: string[] = [];
      for (let e: unknown = failure; e instanceof Error; e = e.cause) messages.push(e.message);
      // The 413 halves go first; the first refused item of the first half is k3, the mapping conflict.
      expect(messages.join('\n')).toMatch(/\[partial-open[^\]]*\].*document_parsing_exception/);
    } finally {
      await t.proxy.close();
    }
  });
});
