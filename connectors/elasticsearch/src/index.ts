export type { ElasticsearchConnection } from './client/elasticsearch-client-options.js';
export { type ElasticsearchErrorCode, ElasticsearchErrorCodes } from './elasticsearch-error-codes.js';
export type { BulkEntry, BulkOperation, ChangelogRecord } from './sink/bulk-entry.js';
export {
  type ElasticsearchDeadLetter,
  type ElasticsearchDeadLetterHandler,
  isElasticsearchDeadLetter,
  jsonLinesDeadLetterFile,
} from './sink/elasticsearch-dead-letter.js';
export { ElasticsearchSink, type ElasticsearchSinkHooks } from './sink/elasticsearch-sink.js';
export {
  ElasticsearchSinkOptions,
  type ElasticsearchSinkOptionsInput,
  type ResolvedElasticsearchSinkOptions,
} from './sink/elasticsearch-sink-options.js';
