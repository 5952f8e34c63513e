import {
  AsyncSinkBase,
  type BufferedRequestState,
  CoreErrorCodes,
  jsonSerializer,
  TributaryError,
  type WriterInitContext,
} from '@tributary/core';
import { createElasticsearchClient } from '../client/elasticsearch-client.js';
import type { BulkEntry } from './bulk-entry.js';
import type { ElasticsearchDeadLetterHandler } from './elasticsearch-dead-letter.js';
import {
  ElasticsearchSinkOptions,
  type ElasticsearchSinkOptionsInput,
  type ResolvedElasticsearchSinkOptions,
} from './elasticsearch-sink-options.js';
import { ElasticsearchSinkWriter } from './elasticsearch-sink-writer.js';

/** Options of {@link ElasticsearchSink} beyond the serializable ones. */
export interface ElasticsearchSinkHooks {
  /** Receives refused items with `onItemError: 'dead-letter'` (e.g. {@link jsonLinesDeadLetterFile}). */
  readonly deadLetter?: ElasticsearchDeadLetterHandler;
}

/**
 * Writes records to Elasticsearch with bulk requests (on core's async sink: batching by actions,
 * bytes and time, flush on checkpoint, retries with backoff). Every item of every bulk response is
 * checked: nothing Elasticsearch refuses is dropped without being counted and logged.
 */
export class ElasticsearchSink<T = unknown> extends AsyncSinkBase<T, BulkEntry> {
  private readonly options: ResolvedElasticsearchSinkOptions;
  private readonly deadLetter: ElasticsearchDeadLetterHandler | undefined;

  constructor(options: ElasticsearchSinkOptionsInput, hooks: ElasticsearchSinkHooks = {}) {
    super(jsonSerializer<BulkEntry>({ name: 'ElasticsearchBulkEntry' }));
    this.options = ElasticsearchSinkOptions.parse(options);
    if (this.options.onItemError === 'dead-letter' && hooks.deadLetter === undefined) {
      throw new TributaryError(
        CoreErrorCodes.INVALID_OPTIONS,
        'elasticsearch.sink.onItemError is "dead-letter" but no deadLetter handler was given (second argument of ElasticsearchSink)',
        { context: { key: 'elasticsearch.sink.onItemError' } },
      );
    }
    this.deadLetter = hooks.deadLetter;
  }

  protected override createAsyncWriter(
    ctx: WriterInitContext,
    restoredState: readonly BufferedRequestState<BulkEntry>[],
  ): ElasticsearchSinkWriter<T> {
    return new ElasticsearchSinkWriter<T>(
      createElasticsearchClient(this.options),
      this.options,
      ctx,
      restoredState,
      this.deadLetter,
    );
  }
}
