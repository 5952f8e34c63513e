import { ServerError } from './proto/PulsarApi_pb.js';

/** An error the broker answered with (`CommandError` or the `error` field of a response). */
export class PulsarServerError extends Error {
  override readonly name = 'PulsarServerError';
  /** The broker's error code name, e.g. `TransactionNotFound`. */
  readonly code: keyof typeof ServerError;

  constructor(
    readonly serverError: ServerError,
    message: string,
    readonly operation: string,
  ) {
    const code = (ServerError[serverError] ?? 'UnknownError') as keyof typeof ServerError;
    super(`${operation}: ${code}: ${message}`);
    this.code = code;
  }

  /** Errors a retry on a new connection or after a lookup can fix. */
  get retriable(): boolean {
    return (
      this.serverError === ServerError.ServiceNotReady ||
      this.serverError === ServerError.TooManyRequests ||
      this.serverError === ServerError.MetadataError ||
      this.serverError === ServerError.PersistenceError ||
      this.serverError === ServerError.TransactionCoordinatorNotFound
    );
  }
}

/** A request the broker did not answer within the request timeout. */
export class PulsarTimeoutError extends Error {
  override readonly name = 'PulsarTimeoutError';
}

/** The connection closed (or never opened) before the operation finished. */
export class PulsarConnectionError extends Error {
  override readonly name: string = 'PulsarConnectionError';
}

/**
 * A send inside a transaction whose outcome is unknown: it was written to a connection that was
 * lost (or to a producer the broker closed) before its receipt came. The broker may have persisted
 * it, so resending it could store it twice inside the transaction (Pulsar de-duplicates only with
 * topic deduplication on, which is off by default). The send fails instead and the transaction
 * is marked failed: it must be aborted, and what it held written again in a new one.
 */
export class PulsarInDoubtSendError extends PulsarConnectionError {
  override readonly name: string = 'PulsarInDoubtSendError';
}

/** A transaction one of whose sends or acks failed: committing it would lose or duplicate messages. */
export class PulsarTransactionFailedError extends Error {
  override readonly name = 'PulsarTransactionFailedError';
}

/**
 * The broker's TLS certificate failed verification (untrusted CA, wrong host name, expired).
 * Not retried: a new connection would fail the same way.
 */
export class PulsarTlsVerificationError extends Error {
  override readonly name = 'PulsarTlsVerificationError';
}

/** Node's codes of certificate verification failures (`tls.connect`'s `error.code`). */
const CERTIFICATE_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Whether a socket error is a failed certificate verification. */
export function isCertificateError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && CERTIFICATE_ERROR_CODES.has(code);
}

/** The client, producer or consumer was closed by the application. */
export class PulsarClosedError extends Error {
  override readonly name = 'PulsarClosedError';
}

/** Whether `error` is worth retrying on a fresh connection / after a new lookup. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof PulsarServerError) return error.retriable;
  return error instanceof PulsarTimeoutError || error instanceof PulsarConnectionError;
}

/** `error` as an `Error` (rejections may carry anything). */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
