import { appendFile, open } from 'node:fs/promises';
import type { BulkEntry, BulkOperation } from './bulk-entry.js';

/**
 * A bulk item the sink gave up on, with what is needed to repair and replay it: the action, the
 * target, the document as sent (JSON text) and why Elasticsearch (or the sink) refused it.
 */
export interface ElasticsearchDeadLetter {
  readonly kind: 'elasticsearch-dead-letter';
  readonly op: BulkOperation;
  readonly index: string;
  readonly id?: string;
  /** The record as JSON text (for `update`/`upsert`, the partial document); absent for deletes. */
  readonly document?: string;
  /** The item's HTTP status in the bulk response (413 for a document too large for one request). */
  readonly status?: number;
  /** `code`: the TributaryError code; `type`/`reason`: Elasticsearch's error (e.g. `document_parsing_exception`). */
  readonly error: { readonly code: string; readonly type?: string; readonly reason: string };
}

/** Receives dead letters (`onItemError: 'dead-letter'`). If it throws, the writer fails. */
export type ElasticsearchDeadLetterHandler = (letter: ElasticsearchDeadLetter) => Promise<void>;

/** True for the values an {@link ElasticsearchDeadLetterHandler} receives. */
export function isElasticsearchDeadLetter(value: unknown): value is ElasticsearchDeadLetter {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'elasticsearch-dead-letter'
  );
}

/** The document of an entry as JSON text (the `doc` of an update, the source of an index). */
export function documentOf(entry: BulkEntry): string | undefined {
  const newline = entry.lines.indexOf('\n');
  const body = entry.lines.slice(newline + 1, -1);
  if (body === '') return undefined;
  if (entry.op !== 'update') return body;
  return JSON.stringify((JSON.parse(body) as { doc: unknown }).doc);
}

/**
 * A handler that appends each dead letter as one JSON line to `path`, synced to disk before it
 * returns: the sink's checkpoint only completes after its dead letters are durable (at-least-once,
 * so a restore may append a letter again).
 */
export function jsonLinesDeadLetterFile(path: string): ElasticsearchDeadLetterHandler {
  return async (letter) => {
    await appendFile(path, `${JSON.stringify(letter)}\n`);
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };
}
