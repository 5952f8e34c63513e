import { defineOptions, sourceReaderBaseOptionsShape } from '@tributary/core';
import { z } from 'zod';
import { elasticsearchConnectionShape } from '../client/elasticsearch-client-options.js';

const sourceSchema = z
  .strictObject({
    ...elasticsearchConnectionShape,
    index: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe('Index, pattern (`logs-*`), alias, or several, read as of one point in time.'),
    query: z
      .record(z.string(), z.unknown())
      .default({ match_all: {} })
      .describe(
        'Query DSL object (the value of `query` in a search), e.g. `{ range: { ts: { gte: "now-1d" } } }`.',
      ),
    slices: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(1)
      .describe('Sliced point-in-time searches: one split per slice, read in parallel by the readers.'),
    sortField: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A unique field with doc values to read in (`search_after`) order. Set it so an expired point in time resumes from its position without duplicates; unset, the order is `_shard_doc` (fastest).',
      ),
    sliceField: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Numeric field with doc values that decides slice membership. Needed (with `sortField`) to resume a sliced read in a fresh point in time: the default membership is not stable across points in time.',
      ),
    pageSize: z.number().int().min(1).max(10_000).default(1000).describe('Hits per search request.'),
    pitKeepAliveMs: z
      .number()
      .int()
      .min(1000)
      .default(300_000)
      .describe('Keep-alive of the point in time, renewed by every search of every slice.'),
    ...sourceReaderBaseOptionsShape,
  })
  .superRefine((value, ctx) => {
    if (value.sliceField !== undefined && value.sortField === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sortField'], message: 'is required with sliceField' });
    }
  });

/** Options of {@link ElasticsearchSource} (`elasticsearch.source.*`). */
export const ElasticsearchSourceOptions = defineOptions('elasticsearch.source', sourceSchema);

/** What a user passes to {@link ElasticsearchSource}. */
export type ElasticsearchSourceOptionsInput = z.input<typeof sourceSchema>;
/** Options with defaults applied. */
export type ResolvedElasticsearchSourceOptions = z.output<typeof sourceSchema>;

/** Whether an expired point in time can be replaced and the read resumed from its position. */
export function resumableAcrossPits(options: ResolvedElasticsearchSourceOptions): boolean {
  return options.sortField !== undefined && (options.slices === 1 || options.sliceField !== undefined);
}
