import { asyncSinkWriterOptionsRules, asyncSinkWriterOptionsShape, defineOptions } from '@tributary/core';
import { z } from 'zod';
import { elasticsearchConnectionShape } from '../client/elasticsearch-client-options.js';

const sinkSchema = z
  .strictObject({
    ...elasticsearchConnectionShape,
    index: z
      .string()
      .min(1)
      .describe(
        'Target index: fixed (`orders`), or per record: `{field}` (a record field), `{field|yyyy.MM.dd}` (a date field), `{eventTime|yyyy.MM.dd}` (the event time, UTC).',
      ),
    action: z
      .enum(['index', 'create', 'update', 'upsert', 'delete', 'changelog'])
      .default('index')
      .describe(
        '`index` (replace), `create` (fail if present), `update` (partial, doc must exist), `upsert` (partial update or insert: `doc_as_upsert`), `delete`, or `changelog`: records `{ op, before, after }` where op `c`/`u`/`r` upserts `after` and `d` deletes.',
      ),
    idFields: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'Fields (dotted paths) whose values, joined by `idDelimiter`, are the document id: retries and restarts then overwrite instead of duplicating. Required for every action but `index`/`create`.',
      ),
    idDelimiter: z.string().default('_').describe('Joins the values of several `idFields`.'),
    routingField: z
      .string()
      .min(1)
      .optional()
      .describe('Field whose value is the shard routing of the document.'),
    pipeline: z.string().min(1).optional().describe('Ingest pipeline every document goes through.'),
    ifSeqNoField: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Field holding `if_seq_no` (optimistic concurrency); with `ifPrimaryTermField`. A stale write is a version conflict.',
      ),
    ifPrimaryTermField: z
      .string()
      .min(1)
      .optional()
      .describe('Field holding `if_primary_term`; with `ifSeqNoField`.'),
    onItemError: z
      .enum(['fail', 'dead-letter', 'skip-and-count'])
      .default('fail')
      .describe(
        'What happens to an item Elasticsearch refuses for good (mapping conflict, write block, too large, 4xx): `fail` the job (the error names the first item and its reason), hand it to the `deadLetter` handler, or skip it (logged, counted in `numRecordsOutErrors`).',
      ),
    retryOnConflict: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe(
        '`retry_on_conflict` of update and upsert actions: how often Elasticsearch retries one when another write changed (or, for an upsert, created) the document first — writers of several subtasks upserting the same id race this way. Not sent with `if_seq_no`, which must not be retried.',
      ),
    versionConflicts: z
      .enum(['fail', 'ignore'])
      .default('fail')
      .describe(
        '`ignore`: a version conflict (409) counts as written — right for idempotent replays with `create` or `if_seq_no`; `fail`: it goes to `onItemError`.',
      ),
    refresh: z
      .enum(['false', 'true', 'wait_for'])
      .default('false')
      .describe(
        'Refresh policy of each bulk request (`wait_for` makes writes searchable before a checkpoint completes; slower).',
      ),
    ...asyncSinkWriterOptionsShape,
    maxBatchSize: z.number().int().min(1).default(1000).describe('Most actions in one bulk request.'),
    maxInFlightRequests: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe(
        'Bulk requests in flight per writer. Above 1, a retried item may land after a later action on the same id.',
      ),
    maxTimeInBufferMs: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe('Flush interval: longest an action waits in a partial batch.'),
  })
  .superRefine((value, ctx) => {
    asyncSinkWriterOptionsRules(value, ctx);
    if (value.idFields === undefined && !['index', 'create'].includes(value.action)) {
      ctx.addIssue({
        code: 'custom',
        path: ['idFields'],
        message: `is required with action "${value.action}" (the document id comes from the record)`,
      });
    }
    if ((value.ifSeqNoField === undefined) !== (value.ifPrimaryTermField === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [value.ifSeqNoField === undefined ? 'ifSeqNoField' : 'ifPrimaryTermField'],
        message: 'ifSeqNoField and ifPrimaryTermField go together',
      });
    }
  });

/** Options of {@link ElasticsearchSink} (`elasticsearch.sink.*`). */
export const ElasticsearchSinkOptions = defineOptions('elasticsearch.sink', sinkSchema);

/** What a user passes to {@link ElasticsearchSink}. */
export type ElasticsearchSinkOptionsInput = z.input<typeof sinkSchema>;
/** Options with defaults applied. */
export type ResolvedElasticsearchSinkOptions = z.output<typeof sinkSchema>;
