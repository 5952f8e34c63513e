import { type ElementConverter, TributaryError } from '@tributary/core';
import { ElasticsearchErrorCodes } from '../elasticsearch-error-codes.js';
import type { ResolvedElasticsearchSinkOptions } from './elasticsearch-sink-options.js';
import { compileIndexName } from './index-name-template.js';
import { fieldValue } from './record-fields.js';

/** The bulk operations this sink sends. */
export type BulkOperation = 'index' | 'create' | 'update' | 'delete';

/**
 * One bulk action, ready to send: its NDJSON lines (action line, and the document line unless
 * it deletes) plus what failure handling needs. Plain JSON: buffered entries go into checkpoints.
 */
export interface BulkEntry {
  readonly op: BulkOperation;
  readonly index: string;
  readonly id?: string;
  /** The action and document lines, each ending in `\n`. */
  readonly lines: string;
}

/** A change-log record (the CDC connectors' shape): `c`reate, `u`pdate, `r`ead (snapshot), `d`elete. */
export interface ChangelogRecord {
  readonly op: 'c' | 'u' | 'r' | 'd';
  readonly before?: Record<string, unknown> | null;
  readonly after?: Record<string, unknown> | null;
}

/** Builds the element converter of the sink from its options: records to bulk entries. */
export function bulkEntryConverter(
  options: ResolvedElasticsearchSinkOptions,
): ElementConverter<unknown, BulkEntry> {
  const indexOf = compileIndexName(options.index);
  const idFields = options.idFields;
  const idOf = (doc: unknown): string | undefined => {
    if (idFields === undefined) return undefined;
    let id = '';
    for (const [i, field] of idFields.entries()) {
      const value = fieldValue(doc, field);
      if (value === undefined || value === null || typeof value === 'object') {
        throw new TributaryError(
          ElasticsearchErrorCodes.CONVERSION_FAILED,
          `The document id needs field "${field}" (idFields), which the record ${value === undefined || value === null ? 'lacks' : 'holds as an object'}`,
          { context: { field } },
        );
      }
      id += (i === 0 ? '' : options.idDelimiter) + String(value);
    }
    return id;
  };
  const build = (
    op: BulkOperation,
    doc: unknown,
    eventTime: number | undefined,
    upsert: boolean,
  ): BulkEntry => {
    const index = indexOf(doc, eventTime);
    const id = idOf(doc);
    const meta: Record<string, unknown> = { _index: index };
    if (id !== undefined) meta._id = id;
    if (options.routingField !== undefined) {
      const routing = fieldValue(doc, options.routingField);
      if (routing !== undefined && routing !== null) meta.routing = String(routing);
    }
    if (options.pipeline !== undefined && op !== 'delete' && op !== 'update')
      meta.pipeline = options.pipeline;
    if (options.ifSeqNoField !== undefined && options.ifPrimaryTermField !== undefined) {
      const seqNo = fieldValue(doc, options.ifSeqNoField);
      const term = fieldValue(doc, options.ifPrimaryTermField);
      if (typeof seqNo === 'number' && typeof term === 'number') {
        meta.if_seq_no = seqNo;
        meta.if_primary_term = term;
      }
    }
    // An update reads then writes the document; a concurrent write (another subtask's upsert of
    // the same id creating it first) makes it fail with a 409 that a retry resolves.
    if (op === 'update' && meta.if_seq_no === undefined && options.retryOnConflict > 0)
      meta.retry_on_conflict = options.retryOnConflict;
    let lines = `${JSON.stringify({ [op]: meta })}\n`;
    if (op === 'update') lines += `{"doc":${JSON.stringify(doc)}${upsert ? ',"doc_as_upsert":true' : ''}}\n`;
    else if (op !== 'delete') lines += `${JSON.stringify(doc)}\n`;
    return id === undefined ? { op, index, lines } : { op, index, id, lines };
  };
  switch (options.action) {
    case 'upsert':
      return (record, ctx) => build('update', record, ctx.timestamp, true);
    case 'changelog':
      return (record, ctx) => {
        const change = record as ChangelogRecord;
        if (change.op === 'd') return build('delete', requireImage(change, 'before'), ctx.timestamp, false);
        if (change.op === 'c' || change.op === 'u' || change.op === 'r')
          return build('update', requireImage(change, 'after'), ctx.timestamp, true);
        throw new TributaryError(
          ElasticsearchErrorCodes.CONVERSION_FAILED,
          `A change-log record must have op "c", "u", "r" or "d", not ${JSON.stringify((record as { op?: unknown })?.op)}`,
          { context: { recordIndex: ctx.index } },
        );
      };
    default: {
      const op = options.action;
      return (record, ctx) => build(op, record, ctx.timestamp, false);
    }
  }
}

function requireImage(change: ChangelogRecord, side: 'before' | 'after'): Record<string, unknown> {
  const image = change[side];
  if (typeof image !== 'object' || image === null) {
    throw new TributaryError(
      ElasticsearchErrorCodes.CONVERSION_FAILED,
      `A change-log record with op "${change.op}" needs "${side}" (the row ${side === 'before' ? 'deleted' : 'written'})`,
      { context: { op: change.op } },
    );
  }
  return image;
}
