import { isTributaryError, TributaryError } from '@tributary/core';
import { KafkaErrorCodes } from '../kafka-error-codes.js';

/**
 * The Kafka protocol error name (`type`) anywhere in a kafkajs error's cause chain, e.g.
 * `INVALID_PRODUCER_EPOCH`. kafkajs wraps protocol errors in retry errors, so the type is rarely
 * on the outer error.
 */
export function kafkaErrorType(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current !== null && typeof current === 'object' && depth < 16; depth++) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The kafkajs error class name in the cause chain (e.g. `KafkaJSConnectionError`). */
function kafkaErrorNames(error: unknown): string[] {
  const names: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== null && typeof current === 'object' && depth < 16; depth++) {
    const name = (current as { name?: unknown }).name;
    if (typeof name === 'string') names.push(name);
    current = (current as { cause?: unknown }).cause;
  }
  return names;
}

const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING']);
const AUTH_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
]);

/** Broker answers that mean "not now": the coordinator moved, is loading, or is still finishing markers. */
const TRANSIENT_COORDINATOR_TYPES = new Set([
  'CONCURRENT_TRANSACTIONS',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
]);

/** kafkajs's "not in my metadata" errors: a broker or coordinator that moved since the last refresh. */
const MOVED_NAMES = new Set(['KafkaJSBrokerNotFound', 'KafkaJSGroupCoordinatorNotFound']);

/**
 * True for transaction-coordinator answers worth another attempt soon, for connection failures
 * and for a broker or coordinator that kafkajs's metadata no longer (or not yet) knows.
 */
export function isTransientCoordinatorError(error: unknown): boolean {
  return (
    TRANSIENT_COORDINATOR_TYPES.has(kafkaErrorType(error) ?? '') ||
    isConnectionError(error) ||
    kafkaErrorNames(error).some((n) => MOVED_NAMES.has(n))
  );
}

/** True when the producer was fenced (another producer took over its transactional id). */
export function isFencedError(error: unknown): boolean {
  const type = kafkaErrorType(error);
  return type !== undefined && FENCED_TYPES.has(type);
}

/** True for connection-level failures (the request may or may not have reached the broker). */
export function isConnectionError(error: unknown): boolean {
  return kafkaErrorNames(error).some(
    (n) =>
      n === 'KafkaJSConnectionError' ||
      n === 'KafkaJSConnectionClosedError' ||
      n === 'KafkaJSRequestTimeoutError',
  );
}

/**
 * Wraps a kafkajs error in a `TributaryError` with a stable code. The message keeps kafkajs's
 * text (it never contains credentials: kafkajs does not echo SASL passwords or TLS keys) and the
 * context names the operation, topic or transactional id.
 */
export function wrapKafkaError(
  error: unknown,
  operation: string,
  context: Readonly<Record<string, unknown>> = {},
  code: string = KafkaErrorCodes.REQUEST_FAILED,
): TributaryError {
  if (isTributaryError(error)) return error;
  const type = kafkaErrorType(error);
  const names = kafkaErrorNames(error);
  const message = error instanceof Error ? error.message : String(error);
  const isAuth =
    (type !== undefined && AUTH_TYPES.has(type)) || names.some((n) => n === 'KafkaJSSASLAuthenticationError');
  const finalCode = isAuth
    ? KafkaErrorCodes.AUTH_FAILED
    : isFencedError(error)
      ? KafkaErrorCodes.TXN_FENCED
      : code;
  const retriable =
    !isAuth &&
    !isFencedError(error) &&
    (isConnectionError(error) || (error as { retriable?: unknown } | null)?.retriable === true);
  const hint =
    finalCode === KafkaErrorCodes.TXN_FENCED
      ? ' (another producer initialized this transactional id: a newer attempt of this job, or another sink or job using the same kafka.sink.transactionalIdPrefix — give each its own)'
      : '';
  return new TributaryError(finalCode, `Kafka ${operation} failed: ${message}${hint}`, {
    cause: error,
    retriable,
    context: { operation, ...(type === undefined ? {} : { kafkaError: type }), ...context },
  });
}
