import type { Client } from '@elastic/elasticsearch';
import {
  CollectionSource,
  CollectSink,
  HybridSource,
  hasErrorCode,
  Pipeline,
  type RecordsWithSplitIds,
  silentLogger,
} from '@tributary/core';
import { fakeReaderContext } from '@tributary/core/testing';
import { type ElasticsearchService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElasticsearchClient } from '../client/elasticsearch-client.js';
import { ElasticsearchErrorCodes } from '../elasticsearch-error-codes.js';
import { ElasticsearchSource } from './elasticsearch-source.js';
import { ElasticsearchSourceOptions } from './elasticsearch-source-options.js';
import type { ElasticsearchEndPosition, ElasticsearchHit } from './pit-slice-split.js';
import { type FetchedHit, PitSliceSplitReader } from './pit-slice-split-reader.js';

interface Doc {
  readonly seq: number;
}

describe('ElasticsearchSource (real Elasticsearch)', () => {
  let es: ElasticsearchService;
  let client: Client;

  beforeAll(async () => {
    es = await useService('elasticsearch');
    client = es.createClient();
  });
  afterAll(async () => {
    await es?.close();
  });

  async function indexWith(count: number): Promise<string> {
    const index = await es.createIndex({ mappings: { properties: { seq: { type: 'long' } } } });
    const operations = Array.from({ length: count }, (_, seq) => [
      { index: { _index: index, _id: `${seq}` } },
      { seq },
    ]).flat();
    expect((await client.bulk({ operations, refresh: true })).errors).toBe(false);
    return index;
  }

  /** Reads one slice to its end with the split reader, calling `between` after the first page. */
  async function readSlice(reader: PitSliceSplitReader, between: () => Promise<void>): Promise<number[]> {
    const seqs: number[] = [];
    for (let page = 0; ; page++) {
      const fetched: RecordsWithSplitIds<FetchedHit> = await reader.fetch();
      for (const records of fetched.recordsBySplit.values()) {
        for (const hit of records) seqs.push((hit._source as Doc).seq);
      }
      const finished = fetched.finishedSplits.length > 0;
      if (page === 0) await between();
      if (finished) return seqs;
    }
  }

  it('a point in time that vanishes mid-read is replaced; the slice resumes from its position (sortField)', async () => {
    const index = await indexWith(250);
    const options = ElasticsearchSourceOptions.parse({
      nodes: es.node,
      index,
      sortField: 'seq',
      pageSize: 40,
    });
    const pit = await client.openPointInTime({ index, keep_alive: '1m' });
    const reader = new PitSliceSplitReader(
      createElasticsearchClient(options),
      options,
      silentLogger,
      fakeReaderContext().metricGroup,
    );
    reader.handleSplitsChanges({
      type: 'add',
      splits: [{ splitId: 'slice-0', ordinal: 0, slice: 0, slices: 1, pitId: pit.id, searchAfter: null }],
    });
    const seqs = await readSlice(reader, async () => {
      await client.closePointInTime({ id: pit.id });
    });
    await reader.close();
    expect(seqs).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });

  it('without a sort field, a sliced read whose point in time vanished fails with TRIB_ES_PIT_EXPIRED', async () => {
    const index = await indexWith(100);
    const options = ElasticsearchSourceOptions.parse({ nodes: es.node, index, slices: 2, pageSize: 10 });
    const pit = await client.openPointInTime({ index, keep_alive: '1m' });
    const reader = new PitSliceSplitReader(
      createElasticsearchClient(options),
      options,
      silentLogger,
      fakeReaderContext().metricGroup,
    );
    reader.handleSplitsChanges({
      type: 'add',
      splits: [{ splitId: 'slice-0', ordinal: 0, slice: 0, slices: 2, pitId: pit.id, searchAfter: null }],
    });
    const failure = await readSlice(reader, async () => {
      await client.closePointInTime({ id: pit.id });
    }).catch((error: unknown) => error);
    await reader.close();
    expect(hasErrorCode(failure, ElasticsearchErrorCodes.PIT_EXPIRED)).toBe(true);
    expect((failure as Error).message).toMatch(/sortField.*sliceField/);
  });

  it('reads an index pattern with a query over 3 slices, and hands its end position to the next source of a HybridSource', async () => {
    const index = await indexWith(900);
    const hybrid = HybridSource.builder<ElasticsearchHit<Doc> | { seq: number; live: true; after: number }>(
      new ElasticsearchSource<Doc>({
        nodes: es.node,
        index: `${index.slice(0, -3)}*`,
        query: { range: { seq: { gte: 100 } } },
        slices: 3,
        pageSize: 100,
      }),
    )
      .addSource(({ previousEndPosition }) => {
        const end = previousEndPosition as ElasticsearchEndPosition;
        return new CollectionSource([{ seq: -1, live: true as const, after: end.snapshotAtMs }]);
      }, 'bounded')
      .build();
    using out = CollectSink.create<ElasticsearchHit<Doc> | { seq: number; live: true; after: number }>();
    const before = Date.now();
    await Pipeline.from(hybrid).sinkTo(out.sink).execute({ parallelism: 2 }, { logger: silentLogger });
    const results = out.results();
    const hits = results.filter((r): r is ElasticsearchHit<Doc> => '_source' in r);
    expect(hits.map((h) => h._source.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 800 }, (_, i) => i + 100),
    );
    expect(hits.every((h) => h._index === index && h._id === String(h._source.seq))).toBe(true);
    const live = results.filter((r) => 'live' in r) as { after: number }[];
    expect(live).toHaveLength(1);
    expect(live[0]?.after).toBeGreaterThanOrEqual(before - 1000);
  });
});
