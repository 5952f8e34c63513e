/**
 * The snippets of docs/connectors/elasticsearch.md and the package README (the `#region`s
 * below), run against the local Elasticsearch. `docs-sections.test.ts` fails when the docs drift.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { CollectionSource, CollectSink, Pipeline } from '@tributary/core';
import { type ElasticsearchService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElasticsearchSink, ElasticsearchSource, jsonLinesDeadLetterFile } from './index.js';

interface Order {
  readonly orderId: string;
  readonly customer: string;
  readonly amount: number;
  readonly placedAt: string;
}

describe('elasticsearch docs examples (real Elasticsearch)', () => {
  let es: ElasticsearchService;
  let client: Client;
  let node: string;

  beforeAll(async () => {
    es = await useService('elasticsearch');
    client = es.createClient();
    node = es.node;
  });
  afterAll(async () => {
    await es?.close();
  });

  it('sink: upserts by id into daily indices, bad documents to a dead-letter file', async () => {
    const prefix = `orders-${Date.now()}`;
    // A template maps `amount` as a number in every daily index, so a text amount is refused.
    await client.indices.putIndexTemplate({
      name: prefix,
      index_patterns: [`${prefix}-*`],
      template: {
        settings: { number_of_replicas: 0 },
        mappings: { properties: { amount: { type: 'double' } } },
      },
    });
    const deadLetterPath = join(tmpdir(), `${prefix}-dead-letters.jsonl`);
    const orders: Order[] = [
      { orderId: 'o-1', customer: 'ada', amount: 12.5, placedAt: '2026-12-05T10:00:00Z' },
      { orderId: 'o-2', customer: 'bob', amount: 99, placedAt: '2026-12-06T08:30:00Z' },
      {
        orderId: 'o-3',
        customer: 'cy',
        amount: 'twelve' as unknown as number,
        placedAt: '2026-12-06T09:00:00Z',
      },
    ];
    const index = `${prefix}-{placedAt|yyyy.MM.dd}`;
    // #region sink
    const sink = new ElasticsearchSink<Order>(
      {
        nodes: node, // or [node1, node2, …]
        index, // e.g. 'orders-{placedAt|yyyy.MM.dd}': one index per day of the order
        action: 'upsert', // doc_as_upsert: replays and retries overwrite, never duplicate
        idFields: ['orderId'],
        onItemError: 'dead-letter', // refused items (mapping conflicts, blocks) go to the handler
        maxBatchSize: 1000, // actions per bulk request
        maxBatchSizeInBytes: 5 * 1024 * 1024,
        maxTimeInBufferMs: 1000, // and at every checkpoint
      },
      { deadLetter: jsonLinesDeadLetterFile(deadLetterPath) },
    );
    await Pipeline.from(new CollectionSource(orders))
      .sinkTo(sink)
      .execute({ checkpointing: { intervalMs: 1000 } });
    // #endregion sink
    await client.indices.refresh({ index: `${prefix}-*` });
    const day5 = await client.search<Order>({ index: `${prefix}-2026.12.05` });
    const day6 = await client.search<Order>({ index: `${prefix}-2026.12.06` });
    expect(day5.hits.hits.map((h) => h._id)).toEqual(['o-1']);
    expect(day6.hits.hits.map((h) => h._id)).toEqual(['o-2']);
    const letters = (await readFile(deadLetterPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      kind: 'elasticsearch-dead-letter',
      op: 'update',
      index: `${prefix}-2026.12.06`,
      id: 'o-3',
      status: 400,
      error: { code: 'TRIB_ASYNC_SINK_ENTRY_REJECTED', type: 'document_parsing_exception' },
    });
    expect(JSON.parse(letters[0].document)).toEqual(orders[2]);
    await client.indices.delete({ index: `${prefix}-*` });
    await client.indices.deleteIndexTemplate({ name: prefix });
  });

  it('source: a sliced read of an index with a query', async () => {
    const ordersIndex = await es.createIndex({ prefix: 'orders' });
    await client.bulk({
      refresh: true,
      operations: Array.from({ length: 50 }, (_, i) => [
        { index: { _index: ordersIndex, _id: `o-${i}` } },
        {
          orderId: `o-${i}`,
          customer: i % 2 === 0 ? 'ada' : 'bob',
          amount: i,
          placedAt: '2026-12-06T00:00:00Z',
        },
      ]).flat(),
    });
    using out = CollectSink.create<{ _id: string; _index: string; _source: Order }>();
    // #region source
    const source = new ElasticsearchSource<Order>({
      nodes: node,
      index: ordersIndex, // an index, a pattern (`orders-*`) or an alias
      query: { term: { 'customer.keyword': 'ada' } },
      slices: 2, // one split per slice, read in parallel
      sortField: 'orderId.keyword', // unique: an expired point in time resumes without duplicates
      pageSize: 1000,
    });
    await Pipeline.from(source) // emits { _index, _id, _source }
      .sinkTo(out.sink)
      .execute({ parallelism: 2, checkpointing: { intervalMs: 1000 } });
    // #endregion source
    const ids = out.results().map((hit) => hit._id);
    expect(ids.sort()).toEqual(Array.from({ length: 25 }, (_, i) => `o-${2 * i}`).sort());
    expect(out.results().every((hit) => hit._index === ordersIndex && hit._source.customer === 'ada')).toBe(
      true,
    );
  });
});
