/**
 * `tributary validate` checks of the Elasticsearch plugin against the harness's real server:
 * reachable, credentials accepted, index or alias exists.
 */
import { hasErrorCode } from '@tributary/core';
import { type ElasticsearchService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElasticsearchErrorCodes } from './elasticsearch-error-codes.js';
import { tributaryPlugin } from './tributary-plugin.js';

const source = tributaryPlugin.source;
const sink = tributaryPlugin.sink;
if (!source?.check || !sink?.check) throw new Error('the Elasticsearch plugin has source and sink checks');

describe('elasticsearch plugin checks (tributary validate)', () => {
  let es: ElasticsearchService;
  let index: string;
  beforeAll(async () => {
    es = await useService('elasticsearch');
    index = await es.createIndex({ prefix: 'validate' });
    await es.createClient().indices.putAlias({ index, name: `${index}-alias` });
  });
  afterAll(() => es?.close());

  it('finds the index, an alias of it, and a pattern', async () => {
    const found = await source.check?.(
      source.options.parse({ nodes: es.node, index: [index, `${index}-alias`] }),
    );
    expect(found).toBe(`${index}: 1 index; ${index}-alias: 1 alias`);
    expect(await source.check?.(source.options.parse({ nodes: es.node, index: 'validate*' }))).toMatch(
      /validate\*: \d+ ind(ex|ices)/,
    );
  });

  it('fails the source on an index that does not exist; the sink only says it will be created', async () => {
    await expect(
      source.check?.(source.options.parse({ nodes: es.node, index: `${index}-missing` })),
    ).rejects.toThrow(`index '${index}-missing' matches no index, alias or data stream`);
    expect(await sink.check?.(sink.options.parse({ nodes: es.node, index: `${index}-new` }))).toContain(
      `index ${index}-new does not exist yet`,
    );
  });

  it('reports refused credentials as TRIB_ES_AUTH_FAILED without the password', async () => {
    const auth = es.connection.auth;
    if (auth === undefined) throw new Error('the harness Elasticsearch has a user');
    const secret = 'not-the-password-4711';
    const error = await sink
      .check?.(
        sink.options.parse({
          nodes: es.node,
          index,
          auth: { username: auth.username, password: secret },
          clientMaxRetries: 0,
        }),
      )
      .catch((e: unknown) => e);
    expect(hasErrorCode(error, ElasticsearchErrorCodes.AUTH_FAILED)).toBe(true);
    expect(
      JSON.stringify({
        message: (error as Error).message,
        context: (error as { context?: unknown }).context,
      }),
    ).not.toContain(secret);
  });

  it('a sink with onItemError dead-letter needs a deadLetterPath', () => {
    const parsed = sink.options.schema.safeParse({ nodes: es.node, index, onItemError: 'dead-letter' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['deadLetterPath'] });
  });
});
