import type { WriterInitContext } from '../../api/sink.js';
import type { AsyncSinkWriterOptionsInput } from './async-sink-writer-options.js';
import type { BufferedRequestState } from './buffered-request-state.js';
import type { DeadLetterHandler } from './dead-letter.js';
import type { ElementConverter } from './element-converter.js';
import type { FatalExceptionClassifier } from './fatal-exception-classifier.js';
import type { RateLimitingStrategy } from './rate-limiting-strategy.js';

/** What an {@link AsyncSinkWriter} is built from. */
export interface AsyncSinkWriterInit<InputT, RequestEntryT> {
  readonly context: WriterInitContext;
  readonly elementConverter: ElementConverter<InputT, RequestEntryT>;
  /** Raw or already parsed options; validated here either way. */
  readonly options?: AsyncSinkWriterOptionsInput;
  /** Decides retry vs fail for errors thrown by a whole request. Default: retry what is retriable. */
  readonly classifyError?: FatalExceptionClassifier;
  /** Where entries the sink gives up on go. Without one, such an entry fails the writer or `write`. */
  readonly deadLetter?: DeadLetterHandler<RequestEntryT>;
  /** Default: `defaultRateLimitingStrategy(options)` (AIMD congestion control, as in Flink). */
  readonly rateLimitingStrategy?: RateLimitingStrategy;
  /** States from a checkpoint; their entries are buffered (and sent) before any new record. */
  readonly restoredState?: readonly BufferedRequestState<RequestEntryT>[];
}
