/**
 * Connection options against the real server: basic auth, refused credentials (typed error
 * without the secret), several nodes with one down, gzip-compressed bulk requests. API keys and
 * bearer tokens need the security index, which the harness's minimal distribution cannot create
 * (no analysis-common module): their headers are checked against a local HTTP endpoint instead.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@elastic/elasticsearch';
import { CollectionSource, hasErrorCode, Pipeline, silentLogger } from '@tributary/core';
import { type ElasticsearchService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElasticsearchErrorCodes } from './elasticsearch-error-codes.js';
import { ElasticsearchSink } from './sink/elasticsearch-sink.js';
import type { ElasticsearchSinkOptionsInput } from './sink/elasticsearch-sink-options.js';
import { ElasticsearchSource } from './source/elasticsearch-source.js';

describe('Elasticsearch connection options (real server)', () => {
  let es: ElasticsearchService;
  let client: Client;

  beforeAll(async () => {
    es = await useService('elasticsearch');
    client = es.createClient({ basicAuth: true });
  });
  afterAll(async () => {
    await es?.close();
  });

  const docs = Array.from({ length: 30 }, (_, i) => ({ id: i, text: `doc ${i}` }));

  async function writeWith(options: Partial<ElasticsearchSinkOptionsInput>): Promise<string> {
    const index = await es.createIndex({ prefix: 'conn' });
    await Pipeline.from(new CollectionSource(docs))
      .sinkTo(new ElasticsearchSink({ nodes: es.node, index, idFields: ['id'], ...options }))
      .execute({ restartStrategy: { type: 'none' } }, { logger: silentLogger });
    return index;
  }

  async function count(index: string): Promise<number> {
    await client.indices.refresh({ index });
    return (await client.count({ index })).count;
  }

  it('basic auth, gzip compression and a down node among several all write every document', async () => {
    const auth = es.connection.auth;
    if (auth === undefined) throw new Error('the harness Elasticsearch has a user');
    expect(await count(await writeWith({ auth: { username: auth.username, password: auth.password } }))).toBe(
      30,
    );

    expect(await count(await writeWith({ compression: true }))).toBe(30);

    // A node that refuses connections first: the client marks it dead and uses the live one.
    expect(
      await count(await writeWith({ nodes: ['http://127.0.0.1:1', es.node], clientMaxRetries: 3 })),
    ).toBe(30);
  });

  it('refused credentials fail the sink and the source with TRIB_ES_AUTH_FAILED, without the password', async () => {
    const auth = es.connection.auth;
    if (auth === undefined) throw new Error('the harness Elasticsearch has a user');
    const secret = 'not-the-password-4711';
    const failure = await writeWith({ auth: { username: auth.username, password: secret } }).catch(
      (e: unknown) => e,
    );
    expect(hasErrorCode(failure, ElasticsearchErrorCodes.AUTH_FAILED)).toBe(true);
    const sourceFailure = await Pipeline.from(
      new ElasticsearchSource({
        nodes: es.node,
        index: 'any',
        auth: { username: auth.username, password: secret },
      }),
    )
      .sinkTo(new ElasticsearchSink({ nodes: es.node, index: 'unused' }))
      .execute({ restartStrategy: { type: 'none' } }, { logger: silentLogger })
      .catch((e: unknown) => e);
    expect(hasErrorCode(sourceFailure, ElasticsearchErrorCodes.AUTH_FAILED)).toBe(true);
    for (let e: unknown = failure; e instanceof Error; e = e.cause) {
      expect(e.message).not.toContain(secret);
      expect(JSON.stringify(e)).not.toContain(secret);
    }
    for (let e: unknown = sourceFailure; e instanceof Error; e = e.cause)
      expect(e.message).not.toContain(secret);
  });

  it('API key and bearer credentials go out as the Authorization header Elasticsearch expects', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end('{"error":{"type":"security_exception","reason":"unable to authenticate"},"status":401}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const auth of [{ apiKey: 'aWQ6a2V5' }, { bearer: 'token-123' }]) {
        const failure = await Pipeline.from(new CollectionSource(docs))
          .sinkTo(new ElasticsearchSink({ nodes: url, index: 'x', auth, clientMaxRetries: 0 }))
          .execute({ restartStrategy: { type: 'none' } }, { logger: silentLogger })
          .catch((e: unknown) => e);
        expect(hasErrorCode(failure, ElasticsearchErrorCodes.AUTH_FAILED)).toBe(true);
      }
      expect(seen).toContain('ApiKey aWQ6a2V5');
      expect(seen).toContain('Bearer token-123');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
