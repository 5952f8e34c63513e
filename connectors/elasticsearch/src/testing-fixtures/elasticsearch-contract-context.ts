/**
 * Test-only: the contract contexts of the Elasticsearch connector — how the
 * `@tributary/e2e/contract` suites prepare indices and read results back, with the official
 * client (never the connector). The crash test's child process imports this module too, so it
 * finds the server on its own (`useService` reuses the running shared one).
 */
import { Client } from '@elastic/elasticsearch';
import { useService } from '@tributary/e2e';
import { defineSinkContext, defineSourceContext, type SinkContractRecord } from '@tributary/e2e/contract';
import { ElasticsearchSink } from '../sink/elasticsearch-sink.js';
import { ElasticsearchSource } from '../source/elasticsearch-source.js';
import type { ElasticsearchHit } from '../source/pit-slice-split.js';

const es = await useService('elasticsearch');
const node = es.node;
const client = new Client({ node });

/** Index names follow from `testId` alone, so a crash child rebuilds the same sink. */
export const contractIndex = (prefix: string, testId: string) =>
  `${prefix}-${testId}`.toLowerCase().replace(/[^a-z0-9_-]/g, '-');

/** Every document of an index (`_source`), read page by page with a scroll. */
export async function readAllDocuments<T>(index: string): Promise<T[]> {
  await client.indices.refresh({ index });
  const docs: T[] = [];
  for await (const doc of client.helpers.scrollDocuments<T>({ index, size: 2000, sort: ['_doc'] }))
    docs.push(doc);
  return docs;
}

async function dropIndex(index: string): Promise<void> {
  await client.indices.delete({ index, ignore_unavailable: true });
}

export const sinkContext = defineSinkContext({
  async prepare(setup) {
    await client.indices.create({
      index: contractIndex('sink', setup.testId),
      settings: { number_of_replicas: 0, number_of_shards: 2 },
      mappings: {
        properties: { id: { type: 'long' }, split: { type: 'integer' }, seq: { type: 'integer' } },
      },
    });
  },
  createSink: (setup) =>
    new ElasticsearchSink<SinkContractRecord>({
      nodes: node,
      index: contractIndex('sink', setup.testId),
      // Exactly-once comes from idempotent writes: the id is the record's id, so a replay after a
      // restore overwrites. Without ids (at-least-once) a replay adds a second document.
      ...(setup.guarantee === 'exactly-once' ? { idFields: ['id'] } : {}),
      maxBatchSize: 200,
      maxTimeInBufferMs: 200,
    }),
  async readBack(setup) {
    return readAllDocuments<SinkContractRecord>(contractIndex('sink', setup.testId));
  },
  cleanup: (setup) => dropIndex(contractIndex('sink', setup.testId)),
});

/** A source test document. */
export interface ContractDoc {
  readonly seq: number;
  readonly text: string;
}

/**
 * The documents of each slice in read order, found with the official client: a sliced search
 * per slice on its own point in time (membership by `seq`, as the source is configured), sorted
 * by `seq`.
 */
async function documentsPerSlice(index: string, slices: number): Promise<ElasticsearchHit<ContractDoc>[][]> {
  const pit = await client.openPointInTime({ index, keep_alive: '1m' });
  try {
    const perSlice: ElasticsearchHit<ContractDoc>[][] = [];
    for (let slice = 0; slice < slices; slice++) {
      const hits: ElasticsearchHit<ContractDoc>[] = [];
      let after: unknown[] | undefined;
      for (;;) {
        const page = await client.search<ContractDoc>({
          pit: { id: pit.id, keep_alive: '1m' },
          ...(slices > 1 ? { slice: { id: String(slice), max: slices, field: 'seq' } } : {}),
          sort: [{ seq: 'asc' }],
          size: 5000,
          ...(after === undefined ? {} : { search_after: after as never }),
        });
        for (const hit of page.hits.hits) {
          hits.push({ _index: hit._index, _id: hit._id as string, _source: hit._source as ContractDoc });
        }
        if (page.hits.hits.length < 5000) break;
        after = page.hits.hits[page.hits.hits.length - 1]?.sort as unknown[];
      }
      perSlice.push(hits);
    }
    return perSlice;
  } finally {
    await client.closePointInTime({ id: pit.id });
  }
}

export const sourceContext = defineSourceContext<ElasticsearchHit<ContractDoc>>({
  async writeTestData(setup) {
    const index = contractIndex('source', setup.testId);
    await client.indices.create({
      index,
      settings: { number_of_replicas: 0, number_of_shards: 2 },
      mappings: { properties: { seq: { type: 'long' }, text: { type: 'keyword' } } },
    });
    // Slice membership is a hash of `seq`: write more than needed, then delete the surplus of
    // each slice, so every slice holds exactly `recordsPerSplit` documents.
    const total = Math.ceil(setup.splits * setup.recordsPerSplit * 1.5) + 50;
    for (let start = 0; start < total; start += 2000) {
      const operations: unknown[] = [];
      for (let seq = start; seq < Math.min(total, start + 2000); seq++) {
        operations.push({ index: { _index: index, _id: String(seq) } }, { seq, text: `doc ${seq}` });
      }
      const result = await client.bulk({ operations });
      if (result.errors) throw new Error(`test data: bulk errors in ${index}`);
    }
    await client.indices.refresh({ index });
    const surplus = (await documentsPerSlice(index, setup.splits)).flatMap((hits, slice) => {
      if (hits.length < setup.recordsPerSplit)
        throw new Error(`test data: slice ${slice} got only ${hits.length}`);
      return hits.slice(setup.recordsPerSplit);
    });
    for (let start = 0; start < surplus.length; start += 2000) {
      const operations = surplus
        .slice(start, start + 2000)
        .map((hit) => ({ delete: { _index: index, _id: hit._id } }));
      const result = await client.bulk({ operations });
      if (result.errors) throw new Error(`test data: bulk delete errors in ${index}`);
    }
    await client.indices.refresh({ index });
    return documentsPerSlice(index, setup.splits);
  },
  createSource: (setup) =>
    new ElasticsearchSource<ContractDoc>({
      nodes: node,
      index: contractIndex('source', setup.testId),
      slices: setup.splits,
      sortField: 'seq',
      sliceField: 'seq',
      // Small pages and polls: the suites slow the job per written batch, and a whole slice in one
      // page would let the job finish before its savepoint.
      pageSize: 50,
      maxRecordsPerPoll: 20,
    }),
  keyOf: (hit) => `${hit._index}/${hit._id}/${JSON.stringify(hit._source)}`,
  cleanup: (setup) => dropIndex(contractIndex('source', setup.testId)),
});
