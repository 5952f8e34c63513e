/**
 * @tributary/connector-pulsar: the Pulsar source (src/source/) and sink (src/sink/) on
 * @tributary/pulsar-client. Each side exports its public API from its own index; curated named
 * exports only.
 */
export {
  createPulsarClient,
  type PulsarConnectionOptions,
  pulsarConnectionShape,
} from './pulsar-connection-options.js';
export {
  DEFAULT_PULSAR_TRANSACTION_TIMEOUT_MS,
  type PulsarCommittable,
  PulsarCommitter,
  type PulsarRecordSerializer,
  type PulsarRecordSerializerSpec,
  type PulsarRouter,
  type PulsarRouterFunction,
  PulsarSink,
  type PulsarSinkContext,
  type PulsarSinkErrorCode,
  PulsarSinkErrorCodes,
  type PulsarSinkMessage,
  PulsarSinkOptions,
  type PulsarSinkOptionsInput,
  type PulsarWriterState,
  pulsarCommittableSerializer,
  pulsarRecordSerializer,
  pulsarWriterStateSerializer,
  type ResolvedPulsarSinkOptions,
} from './sink/index.js';
export {
  type AckTransactions,
  type PulsarEndPosition,
  type PulsarMessageDeserializer,
  type PulsarPartitionSplit,
  PulsarSource,
  type PulsarSourceEnumState,
  type PulsarSourceErrorCode,
  PulsarSourceErrorCodes,
  PulsarSourceOptions,
  type PulsarSourceOptionsInput,
  type PulsarStartCursor,
  type PulsarStopCursor,
  pulsarPartitionSplitSerializer,
  pulsarSourceEnumStateSerializer,
  type ResolvedPulsarSourceOptions,
  type SplitStart,
  type SplitStop,
  startCursorAfter,
  valueOnly,
} from './source/index.js';
export { tributaryPlugin } from './tributary-plugin.js';
