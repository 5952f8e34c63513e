import { errors } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useService } from '../services/use-service.js';
import type { ElasticsearchService } from './elasticsearch-service.js';

describe('elasticsearch service', () => {
  let elasticsearch: ElasticsearchService;

  beforeAll(async () => {
    elasticsearch = await useService('elasticsearch');
  });
  afterAll(async () => {
    await elasticsearch?.close();
  });

  it('indexes documents and finds them with a search', async () => {
    const index = await elasticsearch.createIndex({
      mappings: { properties: { name: { type: 'keyword' }, count: { type: 'integer' } } },
    });
    const client = elasticsearch.createClient();
    const bulk = await client.bulk({
      refresh: 'wait_for',
      operations: [
        { index: { _index: index, _id: '1' } },
        { name: 'alpha', count: 1 },
        { index: { _index: index, _id: '2' } },
        { name: 'beta', count: 2 },
      ],
    });
    expect(bulk.errors).toBe(false);

    const result = await client.search<{ name: string; count: number }>({
      index,
      query: { term: { name: 'beta' } },
    });
    expect(result.hits.hits.map((hit) => [hit._id, hit._source?.count])).toEqual([['2', 2]]);
    expect((await client.count({ index })).count).toBe(2);
  });

  it('checks basic-auth credentials and accepts anonymous requests', async () => {
    const withUser = elasticsearch.createClient({ basicAuth: true });
    const me = await withUser.security.authenticate();
    expect(me.username).toBe(elasticsearch.connection.auth?.username);

    const wrong = elasticsearch.createClient({
      overrides: { auth: { username: elasticsearch.connection.auth?.username ?? '', password: 'wrong' } },
    });
    const failure = await wrong.cluster.health().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(errors.ResponseError);
    expect((failure as errors.ResponseError).statusCode).toBe(401);

    expect(elasticsearch.connection.anonymousAccess).toBe(true);
    const health = await elasticsearch.createClient().cluster.health();
    expect(['green', 'yellow']).toContain(health.status);
  });

  it('deletes the indices it created', async () => {
    const index = await elasticsearch.createIndex({ prefix: 'dropme' });
    await elasticsearch.deleteIndex(index);
    expect(await elasticsearch.createClient().indices.exists({ index })).toBe(false);
  });
});
