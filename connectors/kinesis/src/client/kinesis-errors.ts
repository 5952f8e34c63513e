import { TributaryError, toError } from '@tributary/core';
import { KinesisErrorCodes } from '../kinesis-error-codes.js';

/** AWS error names that clear up by themselves: retry (with backoff) rather than fail. */
const RETRIABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'KMSThrottlingException',
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ResourceInUseException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/** The AWS error name (`ProvisionedThroughputExceededException`, …) or Node error code of an error. */
export function awsErrorName(error: unknown): string {
  const e = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof e?.code === 'string' && e.code.startsWith('E')) return e.code;
  return typeof e?.name === 'string' ? e.name : 'Error';
}

/** Whether a failed Kinesis call is worth retrying: throttling, 5xx, timeouts, dropped sockets. */
export function isRetriableKinesisError(error: unknown): boolean {
  if (RETRIABLE_NAMES.has(awsErrorName(error))) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return (error as { $retryable?: unknown })?.$retryable !== undefined;
}

/** Wraps an SDK error into a `TributaryError` naming the call; never includes credentials. */
export function wrapKinesisError(
  error: unknown,
  operation: string,
  context: Record<string, unknown> = {},
): TributaryError {
  if (error instanceof TributaryError) return error;
  const name = awsErrorName(error);
  const code =
    name === 'ResourceNotFoundException'
      ? KinesisErrorCodes.STREAM_NOT_FOUND
      : KinesisErrorCodes.REQUEST_FAILED;
  return new TributaryError(code, `Kinesis ${operation} failed (${name}): ${toError(error).message}`, {
    cause: error,
    retriable: isRetriableKinesisError(error),
    context: { operation, errorName: name, ...context },
  });
}

/** Whether an error is Kinesis throttling (per-shard or per-account limits). */
export function isThrottling(error: unknown): boolean {
  const name = awsErrorName(error);
  return (
    name === 'ProvisionedThroughputExceededException' ||
    name === 'LimitExceededException' ||
    name === 'ThrottlingException'
  );
}
