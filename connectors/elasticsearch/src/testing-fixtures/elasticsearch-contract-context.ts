/**
 * Test-only: the contract contexts of the Elasticsearch connector — how the
 * `@tributary/e2e/contract` suites prepare indices and read results back, with the official
 * client (never the connector). The crash test's child process imports this module too, so it
 * finds the server on its own (`useService` reuses the running shared one).
 */
import { Client } from '@elastic/elasticsearch';
import { useService } from '@tributary/e2e';
import { defineSinkContext, type SinkContractRecord } from '@tributary/e2e/contract';
import { ElasticsearchSink } from '../sink/elasticsearch-sink.js';

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
