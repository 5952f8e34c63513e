import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { ElasticsearchErrorCodes } from '../elasticsearch-error-codes.js';
import { bulkEntryConverter } from './bulk-entry.js';
import { classifyItem, entriesToRetry, type ItemOutcome, OK } from './bulk-item-outcome.js';
import {
  ElasticsearchSinkOptions,
  type ElasticsearchSinkOptionsInput,
} from './elasticsearch-sink-options.js';

const ctx = (timestamp?: number) => ({
  index: 0,
  timestamp,
  currentWatermark: Number.NEGATIVE_INFINITY,
  subtaskId: 0,
});
const convert = (options: Partial<ElasticsearchSinkOptionsInput>, record: unknown, timestamp?: number) =>
  bulkEntryConverter(
    ElasticsearchSinkOptions.parse({ nodes: 'http://127.0.0.1:9200', index: 'i', ...options }),
  )(record, ctx(timestamp));

describe('bulk entries', () => {
  it('builds index, upsert, delete and change-log actions with ids, routing, pipeline and seq_no', () => {
    expect(
      convert({ idFields: ['a', 'b.c'], routingField: 'a', pipeline: 'p' }, { a: 1, b: { c: 'x' } }),
    ).toEqual({
      op: 'index',
      index: 'i',
      id: '1_x',
      lines: '{"index":{"_index":"i","_id":"1_x","routing":"1","pipeline":"p"}}\n{"a":1,"b":{"c":"x"}}\n',
    });
    expect(convert({ action: 'upsert', idFields: ['id'] }, { id: 'k', v: 2 }).lines).toBe(
      '{"update":{"_index":"i","_id":"k","retry_on_conflict":3}}\n{"doc":{"id":"k","v":2},"doc_as_upsert":true}\n',
    );
    // retry_on_conflict resolves the create race of concurrent upserts of one id; never with if_seq_no.
    expect(
      convert({ action: 'upsert', idFields: ['id'], retryOnConflict: 0 }, { id: 'k' }).lines,
    ).not.toContain('retry_on_conflict');
    expect(
      convert(
        { action: 'update', idFields: ['id'], ifSeqNoField: 's', ifPrimaryTermField: 't' },
        { id: 1, s: 5, t: 1 },
      ).lines,
    ).not.toContain('retry_on_conflict');
    expect(convert({ action: 'delete', idFields: ['id'] }, { id: 'k' }).lines).toBe(
      '{"delete":{"_index":"i","_id":"k"}}\n',
    );
    expect(
      convert(
        { action: 'index', idFields: ['id'], ifSeqNoField: 's', ifPrimaryTermField: 't' },
        { id: 1, s: 5, t: 1 },
      ).lines,
    ).toContain('"if_seq_no":5,"if_primary_term":1');
    expect(convert({ action: 'changelog', idFields: ['id'] }, { op: 'd', before: { id: 7 } }).op).toBe(
      'delete',
    );
    expect(
      convert({ action: 'changelog', idFields: ['id'] }, { op: 'r', after: { id: 7, v: 1 } }).lines,
    ).toContain('doc_as_upsert');
  });

  it('index names from a field, a date field and the event time (UTC)', () => {
    expect(
      convert({ index: 'logs-{service}-{at|yyyy.MM.dd}' }, { service: 'api', at: '2026-12-06T23:30:00Z' })
        .index,
    ).toBe('logs-api-2026.12.06');
    expect(convert({ index: 'e-{eventTime|yyyy-MM-dd.HH}' }, {}, Date.UTC(2026, 0, 2, 3)).index).toBe(
      'e-2026-01-02.03',
    );
  });

  it('a missing id field, event time or change-log image is a typed error naming it', () => {
    const missing = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(hasErrorCode(error, ElasticsearchErrorCodes.CONVERSION_FAILED)).toBe(true);
        return (error as Error).message;
      }
      throw new Error('expected a conversion error');
    };
    expect(missing(() => convert({ idFields: ['orderId'] }, { id: 1 }))).toMatch(/"orderId"/);
    expect(missing(() => convert({ index: 'x-{eventTime|yyyy}' }, {}))).toMatch(/event time/);
    expect(missing(() => convert({ action: 'changelog', idFields: ['id'] }, { op: 'u' }))).toMatch(/"after"/);
    expect(missing(() => convert({ action: 'changelog', idFields: ['id'] }, { op: 'x' }))).toMatch(/op/);
  });

  it('options: ids required for update-like actions, seq_no fields go together', () => {
    expect(() =>
      ElasticsearchSinkOptions.parse({ nodes: 'http://h:1', index: 'i', action: 'upsert' }),
    ).toThrow(/elasticsearch\.sink\.idFields/);
    expect(() =>
      ElasticsearchSinkOptions.parse({ nodes: 'http://h:1', index: 'i', ifSeqNoField: 's' }),
    ).toThrow(/ifPrimaryTermField/);
  });
});

describe('bulk item outcomes', () => {
  const entry = (id: string, op: 'index' | 'update' | 'delete' | 'create' = 'index') => ({
    op,
    index: 'i',
    id,
    lines: '',
  });
  const item = (op: string, status: number, type?: string) => ({
    [op]: { status, ...(type === undefined ? {} : { error: { type, reason: `${type} reason` } }) },
  });

  it('classifies success, not-found deletes, throttling, conflicts and refusals', () => {
    expect(classifyItem(entry('1'), item('index', 201), false)).toBe(OK);
    expect(classifyItem(entry('1', 'delete'), item('delete', 404), false)).toBe(OK);
    expect(classifyItem(entry('1'), item('index', 429, 'es_rejected_execution_exception'), false).kind).toBe(
      'retry',
    );
    expect(classifyItem(entry('1'), item('index', 503, 'unavailable_shards_exception'), false).kind).toBe(
      'retry',
    );
    expect(classifyItem(entry('1'), item('index', 409, 'version_conflict_engine_exception'), true)).toBe(OK);
    expect(
      classifyItem(entry('1'), item('index', 409, 'version_conflict_engine_exception'), false),
    ).toMatchObject({
      kind: 'reject',
      status: 409,
    });
    expect(classifyItem(entry('1'), item('index', 400, 'document_parsing_exception'), false)).toMatchObject({
      kind: 'reject',
      type: 'document_parsing_exception',
      reason: 'document_parsing_exception reason',
    });
    expect(classifyItem(entry('1'), undefined, false).kind).toBe('retry');
  });

  it('re-sends later actions on an id after its retried one, so the last write still wins', () => {
    const entries = [
      entry('a'),
      entry('b'),
      entry('a', 'update'),
      entry('c'),
      entry('a', 'create'),
      entry('b'),
    ];
    const retry: ItemOutcome = { kind: 'retry', status: 429, reason: '' };
    const outcomes: ItemOutcome[] = [retry, OK, OK, OK, OK, OK];
    expect(entriesToRetry(entries, outcomes)).toEqual([entries[0], entries[2]]);
  });
});
