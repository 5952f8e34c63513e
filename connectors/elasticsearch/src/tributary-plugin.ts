import { defineOptions, type TributaryPlugin } from '@tributary/core';
import { z } from 'zod';
import { createElasticsearchClient, requestFailed, statusOf } from './client/elasticsearch-client.js';
import type { ElasticsearchConnection } from './client/elasticsearch-client-options.js';
import { jsonLinesDeadLetterFile } from './sink/elasticsearch-dead-letter.js';
import { ElasticsearchSink } from './sink/elasticsearch-sink.js';
import {
  ElasticsearchSinkOptions,
  type ResolvedElasticsearchSinkOptions,
} from './sink/elasticsearch-sink-options.js';
import { ElasticsearchSource } from './source/elasticsearch-source.js';
import {
  ElasticsearchSourceOptions,
  type ResolvedElasticsearchSourceOptions,
} from './source/elasticsearch-source-options.js';

/** `sink.options` of a pipeline file: the sink's options plus a file for dead letters. */
const pipelineSinkOptions = defineOptions(
  ElasticsearchSinkOptions.component,
  (ElasticsearchSinkOptions.schema as unknown as z.ZodObject)
    .safeExtend({
      deadLetterPath: z
        .string()
        .min(1)
        .optional()
        .describe(
          'With `onItemError: dead-letter`: the JSON Lines file refused items are appended to (synced before a checkpoint completes).',
        ),
    })
    .superRefine((value, ctx) => {
      if (value.onItemError === 'dead-letter' && value.deadLetterPath === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['deadLetterPath'],
          message: 'is required with onItemError "dead-letter" (where refused items go)',
        });
      }
    }),
);

type PipelineSinkOptions = ResolvedElasticsearchSinkOptions & { deadLetterPath?: string | undefined };

/**
 * Resolves the index names to indices, aliases or data streams: the cluster answers (reachable,
 * credentials accepted) and each name is found. `required`: a name that resolves to nothing fails.
 * (Not `GET /`: clusters that let anonymous or least-privilege users index may refuse it.)
 */
async function checkCluster(
  connection: ElasticsearchConnection,
  names: readonly string[],
  required: boolean,
): Promise<string> {
  const client = createElasticsearchClient(connection);
  try {
    if (names.length === 0) {
      await resolveName(client, '*');
      return 'cluster reachable (the index name depends on the record)';
    }
    const found: string[] = [];
    for (const name of names) {
      const resolved = await resolveName(client, name);
      if (resolved === undefined) {
        if (required) throw new Error(`index '${name}' matches no index, alias or data stream`);
        found.push(
          `index ${name} does not exist yet (created on the first write unless the cluster forbids it)`,
        );
      } else {
        found.push(`${name}: ${resolved}`);
      }
    }
    return found.join('; ');
  } finally {
    await client.close();
  }
}

/** What a name resolves to (`2 indices`, `alias`), or undefined when it matches nothing. */
async function resolveName(
  client: ReturnType<typeof createElasticsearchClient>,
  name: string,
): Promise<string | undefined> {
  try {
    const resolved = await client.indices.resolveIndex({ name, expand_wildcards: 'open' });
    const parts = [
      [resolved.indices.length, 'index', 'indices'],
      [resolved.aliases.length, 'alias', 'aliases'],
      [resolved.data_streams.length, 'data stream', 'data streams'],
    ] as const;
    const described = parts.filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
    return described.length > 0 ? described.join(', ') : undefined;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw requestFailed('resolve index', error);
  }
}

/** The Elasticsearch connector for declarative pipelines (`connector: elasticsearch`, see `@tributary/cli`). */
export const tributaryPlugin: TributaryPlugin = {
  name: 'elasticsearch',
  description: 'Elasticsearch: sliced point-in-time index reads, bulk sink with per-item checks',
  source: {
    options: ElasticsearchSourceOptions,
    format: 'none',
    guarantee: 'exactly-once (search_after positions of one point in time in checkpoints)',
    create: (options) => new ElasticsearchSource(options as ResolvedElasticsearchSourceOptions),
    check: (options) => {
      const o = options as ResolvedElasticsearchSourceOptions;
      return checkCluster(o, typeof o.index === 'string' ? [o.index] : o.index, true);
    },
  },
  sink: {
    options: pipelineSinkOptions,
    format: 'none',
    guarantee: 'at-least-once (bulk actions flushed on checkpoints; idempotent with idFields)',
    create(options) {
      const { deadLetterPath, ...rest } = options as PipelineSinkOptions;
      return new ElasticsearchSink(
        rest,
        deadLetterPath === undefined ? {} : { deadLetter: jsonLinesDeadLetterFile(deadLetterPath) },
      );
    },
    check: (options) => {
      const o = options as PipelineSinkOptions;
      // A per-record index name ({field}) has no single index to look for.
      return checkCluster(o, o.index.includes('{') ? [] : [o.index], false);
    },
  },
};
