/**
 * @tributary/core — the unified Source/Sink API, the connector base classes and the runtime.
 * Curated named exports only; internals stay unexported.
 */

export { CHANGE_OPS, type ChangeRecord, type ChangeSource } from './api/change-record.js';
// Formats
export type {
  DeserializationSchema,
  FileFormat,
  FileInput,
  FileOutput,
  FilePosition,
  FileReadBatch,
  FileRecordReader,
  FileRecordWriter,
  FileRegion,
  FileWriterFormat,
  RecordOrigin,
  SerializationSchema,
} from './api/format.js';
export { filePositionAt } from './api/format.js';
// Sink API
export {
  type CommitRequest,
  type Committer,
  type CommitterInitContext,
  type CommittingSinkWriter,
  type DeliveryGuarantee,
  isCommittingWriter,
  isStatefulWriter,
  type Sink,
  type SinkWriter,
  type SinkWriterContext,
  type StatefulSinkWriter,
  type SupportsCommitter,
  type SupportsWriterState,
  supportsCommitter,
  supportsWriterState,
  type WriterInitContext,
} from './api/sink.js';
// Source API
export type {
  AnySource,
  Boundedness,
  InputStatus,
  ReaderInfo,
  ReaderOutput,
  SourceEvent,
  SourceEvents,
  SourceOutput,
  SourceReader,
  SourceReaderContext,
  SourceSplit,
  SplitEnumerator,
  SplitEnumeratorContext,
} from './api/source.js';
export { collectBatch } from './api/source.js';
// Watermarks
export type {
  TimestampAssigner,
  WatermarkGenerator,
  WatermarkOutput,
  WatermarkStrategy,
} from './api/watermark.js';
// Built-in sources and sinks
export { type BuiltinErrorCode, BuiltinErrorCodes } from './builtins/builtin-error-codes.js';
export {
  type CollectionEnumeratorState,
  CollectionSource,
  type CollectionSourceOptions,
  type CollectionSplit,
  collectionSourceOptions,
} from './builtins/collection/collection-source.js';
export {
  type DataGeneratorOptions,
  dataGeneratorSourceOptions,
} from './builtins/datagen/data-generator-options.js';
export {
  type DataGeneratorEndPosition,
  type DataGeneratorEnumeratorState,
  DataGeneratorSource,
  type DataGeneratorSplit,
} from './builtins/datagen/data-generator-source.js';
export {
  type OrdinalSplit,
  type StaticEnumeratorState,
  StaticSplitEnumerator,
} from './builtins/shared/static-split-enumerator.js';
export {
  CollectSink,
  type CollectSinkCommittable,
  type CollectSinkGuarantee,
  type CollectSinkHandle,
  type CollectSinkOptions,
} from './builtins/sinks/collect-sink.js';
export type { CollectorView } from './builtins/sinks/collector.js';
export { DiscardingSink } from './builtins/sinks/discarding-sink.js';
export {
  formatRecord,
  PrintSink,
  type PrintSinkOptions,
  type PrintTarget,
  printSinkOptions,
} from './builtins/sinks/print-sink.js';
export {
  type RoutedCommittable,
  RoutingSink,
  RoutingSinkErrorCodes,
  type RoutingWriterState,
} from './builtins/sinks/routing-sink.js';
export {
  type CleanupResult,
  type CommittedContents,
  type CommittedFile,
  cleanupOrphans,
  readCommitted,
  type StoreFileName,
  type TransactionalCommittable,
} from './builtins/transactional/transactional-store.js';
export type { TransactionalWriterState } from './builtins/transactional/transactional-store-writer.js';
export {
  TwoPhaseCommitTestSink,
  type TwoPhaseCommitTestSinkOptions,
  twoPhaseCommitTestSinkOptions,
} from './builtins/transactional/two-phase-commit-test-sink.js';
export {
  defineOptions,
  describeOptions,
  InvalidOptionsError,
  type OptionDoc,
  type OptionsSchema,
  optionsMarkdownTable,
} from './config/options.js';
// Async sink base (FLIP-171)
export {
  AIMDScalingStrategy,
  type AIMDScalingStrategyOptions,
} from './connector/sink/aimd-scaling-strategy.js';
export { AsyncSinkBase } from './connector/sink/async-sink-base.js';
export { type AsyncSinkErrorCode, AsyncSinkErrorCodes } from './connector/sink/async-sink-error-codes.js';
export { AsyncSinkWriter } from './connector/sink/async-sink-writer.js';
export type { AsyncSinkWriterInit } from './connector/sink/async-sink-writer-init.js';
export {
  type AsyncSinkWriterConfiguration,
  AsyncSinkWriterOptions,
  type AsyncSinkWriterOptionsInput,
  asyncSinkWriterOptionsRules,
  asyncSinkWriterOptionsShape,
} from './connector/sink/async-sink-writer-options.js';
export {
  type BufferedRequestState,
  bufferedRequestStateSerializer,
  bufferedRequestStateSizeInBytes,
  type RequestEntryWrapper,
} from './connector/sink/buffered-request-state.js';
export {
  CongestionControlRateLimitingStrategy,
  type CongestionControlRateLimitingStrategyOptions,
  defaultRateLimitingStrategy,
} from './connector/sink/congestion-control-rate-limiting-strategy.js';
export type { DeadLetterHandler } from './connector/sink/dead-letter.js';
export type { ElementConverter, ElementConverterContext } from './connector/sink/element-converter.js';
export {
  defaultFatalExceptionClassifier,
  type ErrorClassification,
  type FatalExceptionClassifier,
  fatalExceptionClassifierChain,
} from './connector/sink/fatal-exception-classifier.js';
export type {
  RateLimitingStrategy,
  RequestInfo,
  ResultInfo,
  ScalingStrategy,
} from './connector/sink/rate-limiting-strategy.js';
// Source connector base (FLIP-27 SourceReaderBase, fetch loops, hand-over queue)
export { ElementQueue } from './connector/source/element-queue.js';
export { callAsyncResult, type LoopResult } from './connector/source/loop-result.js';
export { PerSplitFetcherManager } from './connector/source/per-split-fetcher-manager.js';
export type { BatchRecordEmitter, RecordEmitter } from './connector/source/record-emitter.js';
export {
  isEmptyFetch,
  RecordsBySplits,
  RecordsBySplitsBuilder,
  type RecordsWithSplitIds,
} from './connector/source/records-with-split-ids.js';
export { SingleSplitFetcherManager } from './connector/source/single-split-fetcher-manager.js';
export { SourceReaderBase } from './connector/source/source-reader-base.js';
export {
  type SourceReaderErrorCode,
  SourceReaderErrorCodes,
} from './connector/source/source-reader-error-codes.js';
export {
  type SourceReaderBaseConfig,
  SourceReaderBaseOptions,
  type SourceReaderBaseOptionsInput,
  sourceReaderBaseOptionsShape,
} from './connector/source/source-reader-options.js';
export {
  SplitFetcher,
  type SplitFetcherConfig,
  type SplitFetcherHooks,
  type SplitFetcherPhase,
} from './connector/source/split-fetcher.js';
export { SplitFetcherManager } from './connector/source/split-fetcher-manager.js';
export type { SplitFetcherTask } from './connector/source/split-fetcher-task.js';
export type { SplitReader, SplitReaderFactory, SplitsChange } from './connector/source/split-reader.js';
export { WakeUpLatch } from './connector/source/wake-up-latch.js';
// Errors, options, logging, retry
export { type CoreErrorCode, CoreErrorCodes } from './errors/error-codes.js';
export {
  hasErrorCode,
  isRetriable,
  isTributaryError,
  TributaryError,
  type TributaryErrorOptions,
  toError,
} from './errors/tributary-error.js';
export {
  type DecimalsMode,
  decimalToString,
  decimalValue,
  MAX_EXACT_DOUBLE_DIGITS,
  toUnscaledDecimal,
  unscaledFromBytes,
  unscaledToBytes,
} from './format/exact-decimal.js';
export {
  ExactJsonSyntaxError,
  ExactJsonValueError,
  parseExactJson,
  stringifyExactJson,
} from './format/exact-json.js';
export { type FileDeadLetter, fileDeadLetter, isFileDeadLetter } from './format/file-dead-letter.js';
// Format helpers (line splitting, record errors, in-memory files)
export {
  type FileRegionContents,
  readAllRegions,
  readFileRegion,
  resumeFileRegion,
  splitFileRegions,
} from './format/file-region-utils.js';
export {
  LineRecordReaderBase,
  type RecordBatchBuilder,
  type RejectedLineRecord,
} from './format/line-record-reader-base.js';
export {
  type LineRegionBatch,
  LineRegionReader,
  type LineRegionReaderOptions,
} from './format/line-region-reader.js';
export { type LineBatch, LineSplitter, type LineSplitterOptions } from './format/line-splitter.js';
export { lz4CompressBlock, lz4DecodeBlockInto, lz4DecompressBlock } from './format/lz4-block.js';
export {
  MemoryFileInput,
  type MemoryFileInputOptions,
  MemoryFileOutput,
} from './format/memory-file.js';
export {
  DEFAULT_SNIPPET_CHARS,
  type RecordErrorLocation,
  type RecordErrorsMode,
  recordErrorsModeOption,
  recordInvalidError,
  safeJsonErrorReason,
  snippetOf,
} from './format/record-errors.js';
export { TextOutputBuffer, type TextOutputBufferOptions } from './format/text-output-buffer.js';
// Durable files (checkpoints, two-phase-commit sinks)
export { fsyncDirectory, writeFileAtomically } from './fs/durable-files.js';
export {
  createJsonLogger,
  DEFAULT_REDACTED_KEYS,
  type JsonLoggerOptions,
  type Logger,
  type LogLevel,
  silentLogger,
} from './logging/logger.js';
export { BackPressureTimer } from './metrics/back-pressure-timer.js';
export {
  CommitterMetricGroup,
  JobMetricGroup,
  MetricGroup,
  SinkWriterMetricGroup,
  SourceReaderMetricGroup,
  SplitEnumeratorMetricGroup,
} from './metrics/metric-groups.js';
export { METRIC_DESCRIPTIONS, MetricRegistry } from './metrics/metric-registry.js';
export type { MetricReporter, MetricReporterStopContext } from './metrics/metric-reporter.js';
// Metrics
export {
  Counter,
  type GaugeReader,
  type MetricKind,
  type MetricLabels,
  type RegisteredMetric,
} from './metrics/metric-types.js';
export { ProcessMetricGroup, type ProcessMetricGroupOptions } from './metrics/process-metric-group.js';
export type {
  FormatPlugin,
  PluginFormatKind,
  ResolvedPluginFormat,
  SinkPlugin,
  SourcePlugin,
  TributaryPlugin,
} from './plugin/tributary-plugin.js';
export { type BackoffOptions, backoffDelayMs, type RetryOptions, retry, sleep } from './retry/retry.js';
export {
  type CheckpointData,
  type CheckpointLineage,
  type CheckpointStorage,
  FileCheckpointStorage,
  loadCheckpointDir,
  MemoryCheckpointStorage,
} from './runtime/checkpoint-storage.js';
export type { JobDashboard } from './runtime/dashboard-loader.js';
export type { JobEvent, JobEventOf, JobEventType } from './runtime/job-events.js';
export type { JobGraph } from './runtime/job-graph.js';
export {
  JobOptions,
  type JobOptionsInput,
  type ResolvedJobOptions,
  type RestartStrategyOptions,
} from './runtime/job-options.js';
export {
  type JobClient,
  type JobEnvironment,
  type JobResult,
  type JobStatus,
  startJob,
} from './runtime/job-runner.js';
export type { ProcessContext } from './runtime/operator-chain.js';
export {
  emitPhaseMarker,
  PHASE_MARKER_PREFIX,
  type PhaseMarker,
  parsePhaseMarker,
  phaseMarkersEnabled,
  type RuntimePhase,
} from './runtime/phase-markers.js';
// Runtime
export {
  type CollectedResults,
  DataStream,
  Job,
  type MapAsyncOptions,
  Pipeline,
} from './runtime/pipeline.js';
export {
  defineJob,
  type JobModule,
  type JobOrigin,
  loadJob,
} from './runtime/workers/job-module.js';

// Serialization
export {
  deserializeVersioned,
  type JsonSerializerOptions,
  jsonSerializer,
  serializeVersioned,
  type VersionedBytes,
  type VersionedSerializer,
} from './serialization/versioned-serializer.js';
export {
  type AsyncIterableFactory,
  AsyncIterableSource,
  type AsyncIterableSourceOptions,
  type AsyncIterableSplit,
} from './source/async-iterable/async-iterable-source.js';
// Hybrid source (FLIP-150)
export { HybridSource, HybridSourceBuilder } from './source/hybrid/hybrid-source.js';
export type {
  HybridSourceFactory,
  HybridSourceFactoryContext,
} from './source/hybrid/hybrid-source-entries.js';
export type {
  HybridEnumeratorState,
  HybridSourceSplit,
} from './source/hybrid/hybrid-source-split.js';
// `Source`: the source API type and the simple source factories (`Source.fromAsyncIterable`)
export { Source } from './source/source-factories.js';
export { BatchingReaderOutput, type RecordBatch } from './watermark/batching-reader-output.js';
export { BoundedOutOfOrdernessGenerator, Watermarks } from './watermark/watermark-strategies.js';
