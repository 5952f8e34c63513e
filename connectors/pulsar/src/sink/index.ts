// The Pulsar sink's public API (re-exported by the package index).
export {
  type PulsarCommittable,
  type PulsarWriterState,
  pulsarCommittableSerializer,
  pulsarWriterStateSerializer,
} from './pulsar-committable.js';
export { PulsarCommitter } from './pulsar-committer.js';
export {
  type PulsarRecordSerializer,
  type PulsarRecordSerializerSpec,
  type PulsarRouter,
  type PulsarRouterFunction,
  type PulsarSinkContext,
  type PulsarSinkMessage,
  pulsarRecordSerializer,
} from './pulsar-record-serializer.js';
export { PulsarSink } from './pulsar-sink.js';
export { type PulsarSinkErrorCode, PulsarSinkErrorCodes } from './pulsar-sink-error-codes.js';
export {
  DEFAULT_PULSAR_TRANSACTION_TIMEOUT_MS,
  PulsarSinkOptions,
  type PulsarSinkOptionsInput,
  type ResolvedPulsarSinkOptions,
} from './pulsar-sink-options.js';
