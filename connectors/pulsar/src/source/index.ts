export { type PulsarEndPosition, startCursorAfter } from './pulsar-end-position.js';
export { type PulsarMessageDeserializer, valueOnly } from './pulsar-message-deserializer.js';
export type { AckTransactions, PulsarPartitionSplit } from './pulsar-partition-split.js';
export { pulsarPartitionSplitSerializer } from './pulsar-partition-split.js';
export type { SplitStart, SplitStop } from './pulsar-positions.js';
export { PulsarSource } from './pulsar-source.js';
export {
  type PulsarSourceEnumState,
  pulsarSourceEnumStateSerializer,
} from './pulsar-source-enumerator.js';
export { type PulsarSourceErrorCode, PulsarSourceErrorCodes } from './pulsar-source-error-codes.js';
export {
  PulsarSourceOptions,
  type PulsarSourceOptionsInput,
  type PulsarStartCursor,
  type PulsarStopCursor,
  type ResolvedPulsarSourceOptions,
} from './pulsar-source-options.js';
