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
export { ElasticsearchSource } from './source/elasticsearch-source.js';
export {
  ElasticsearchSourceOptions,
  type ElasticsearchSourceOptionsInput,
  type ResolvedElasticsearchSourceOptions,
} from './source/elasticsearch-source-options.js';
export type { PitSliceEnumeratorState } from './source/pit-slice-enumerator.js';
export type { ElasticsearchEndPosition, ElasticsearchHit, PitSliceSplit } from './source/pit-slice-split.js';
export { tributaryPlugin } from './tributary-plugin.js';
