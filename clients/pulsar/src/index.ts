export { type LookupResult, PulsarClient, type PulsarClientOptions } from './client.js';
export {
  type ConnectionOptions,
  PROTOCOL_VERSION,
  type PulsarAuthentication,
  PulsarConnection,
  tokenAuthentication,
} from './connection.js';
export {
  Consumer,
  type ConsumerMessage,
  type ConsumerOptions,
  PartitionConsumer,
  PulsarMessageDecodeError,
  type SubscriptionType,
} from './consumer.js';
export {
  isRetriable,
  PulsarClosedError,
  PulsarConnectionError,
  PulsarInDoubtSendError,
  PulsarServerError,
  PulsarTimeoutError,
  PulsarTlsVerificationError,
  PulsarTransactionFailedError,
} from './errors.js';
export {
  compareMessageIds,
  deserializeMessageId,
  EARLIEST,
  LATEST,
  type MessageId,
  messageIdToString,
  serializeMessageId,
} from './message-id.js';
export {
  keyHashPartition,
  murmur3Hash32,
  type OutgoingMessage,
  PartitionProducer,
  Producer,
  type ProducerOptions,
} from './producer.js';
export { decodeBatch, encodeBatch } from './protocol/batch.js';
export { compress, decompress, type PulsarCompression, prepareCompression } from './protocol/compression.js';
export {
  decodeFrame,
  encodePayloadCommand,
  encodeSimpleCommand,
  FrameReader,
  PulsarFrameError,
} from './protocol/frame.js';
export type { TakenEntry } from './queued-entry.js';
export { fullTopicName, partitionIndexOf, partitionTopicName } from './topic-name.js';
export {
  type EndTxnOutcome,
  parseTxnId,
  TRANSACTION_COORDINATOR_ASSIGN,
  Transaction,
  TransactionCoordinatorClient,
  type TxnId,
  txnIdToString,
} from './transaction.js';
