import type { Client } from '@elastic/elasticsearch';
import {
  CollectionSource,
  DataGeneratorSource,
  MetricRegistry,
  Pipeline,
  silentLogger,
} from '@tributary/core';
import { type ElasticsearchService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElasticsearchSink } from './elasticsearch-sink.js';

/** Every document of `index` as `_id → _source`, read with the official client (not the connector). */
async function documents(client: Client, index: string): Promise<Map<string, Record<string, unknown>>> {
  await client.indices.refresh({ index });
  const found = new Map<string, Record<string, unknown>>();
  const result = await client.search<Record<string, unknown>>({ index, size: 10_000, sort: ['_doc'] });
  for (const hit of result.hits.hits) found.set(hit._id as string, hit._source as Record<string, unknown>);
  return found;
}

describe('ElasticsearchSink in a job (real Elasticsearch)', () => {
  let es: ElasticsearchService;
  let client: Client;

  beforeAll(async () => {
    es = await useService('elasticsearch');
    client = es.createClient();
  });
  afterAll(async () => {
    await es?.close();
  });

  it('index with ids: a failure and a restart leave every document exactly once; metrics count them', async () => {
    const index = await es.createIndex({ mappings: { properties: { n: { type: 'long' } } } });
    const total = 5000;
    let seen = 0;
    const registry = new MetricRegistry();
    const result = await Pipeline.from(
      new DataGeneratorSource<{ n: number; text: string }>({
        generator: (i) => ({ n: i, text: `doc ${i}` }),
        count: total,
        numSplits: 2,
        recordsPerSecond: 20_000,
        maxRecordsPerPoll: 200,
      }),
    )
      .map((r) => {
        if (++seen === total / 2) throw new Error('injected failure');
        return r;
      })
      .sinkTo(new ElasticsearchSink({ nodes: es.node, index, idFields: ['n'], maxBatchSize: 300 }))
      .execute(
        {
          parallelism: 2,
          checkpointing: { intervalMs: 100 },
          restartStrategy: { type: 'fixed-delay', attempts: 2, delayMs: 50 },
        },
        { metricRegistry: registry, logger: silentLogger },
      );
    expect(result.restarts).toBe(1);
    const docs = await documents(client, index);
    expect(docs.size).toBe(total);
    for (let i = 0; i < total; i += 499) expect(docs.get(String(i))).toEqual({ n: i, text: `doc ${i}` });
    // The restarted attempt re-sent at least the half after the failure, and nothing failed.
    expect(registry.sum('numRecordsOut')).toBeGreaterThanOrEqual(total / 2);
    expect(registry.sum('numRecordsOutErrors')).toBe(0);
  });

  it('upsert merges partial documents; delete removes; changelog maps c/u/r to upsert and d to delete', async () => {
    const index = await es.createIndex();
    await Pipeline.from(
      new CollectionSource([
        { id: 'a', x: 1 },
        { id: 'b', x: 2 },
      ]),
    )
      .sinkTo(new ElasticsearchSink({ nodes: es.node, index, action: 'index', idFields: ['id'] }))
      .execute();
    await Pipeline.from(
      new CollectionSource([
        { id: 'a', y: 10 },
        { id: 'c', y: 30 },
      ]),
    )
      .sinkTo(new ElasticsearchSink({ nodes: es.node, index, action: 'upsert', idFields: ['id'] }))
      .execute();
    expect(Object.fromEntries(await documents(client, index))).toEqual({
      a: { id: 'a', x: 1, y: 10 },
      b: { id: 'b', x: 2 },
      c: { id: 'c', y: 30 },
    });
    await Pipeline.from(
      new CollectionSource([
        { op: 'r', after: { id: 'd', v: 1 } },
        { op: 'u', before: { id: 'a', x: 1 }, after: { id: 'a', x: 5 } },
        { op: 'd', before: { id: 'b', x: 2 } },
        { op: 'c', after: { id: 'e', v: 2 } },
        { op: 'd', before: { id: 'e', v: 2 } },
        { op: 'd', before: { id: 'never-there' } },
      ]),
    )
      .sinkTo(new ElasticsearchSink({ nodes: es.node, index, action: 'changelog', idFields: ['id'] }))
      .execute();
    expect(Object.fromEntries(await documents(client, index))).toEqual({
      a: { id: 'a', x: 5, y: 10 },
      c: { id: 'c', y: 30 },
      d: { id: 'd', v: 1 },
    });
  });
});
