import { Client, type ClientOptions, errors } from '@elastic/elasticsearch';
import { TributaryError } from '@tributary/core';
import { ElasticsearchErrorCodes } from '../elasticsearch-error-codes.js';
import type { ElasticsearchConnection } from './elasticsearch-client-options.js';

/** A client for the connection options (one per writer or split reader, closed with it). */
export function createElasticsearchClient(connection: ElasticsearchConnection): Client {
  const options: ClientOptions = {
    nodes: Array.isArray(connection.nodes) ? connection.nodes : [connection.nodes],
    compression: connection.compression,
    requestTimeout: connection.requestTimeoutMs,
    maxRetries: connection.clientMaxRetries,
  };
  const auth = connection.auth;
  if (auth !== undefined) {
    if ('username' in auth) options.auth = { username: auth.username, password: auth.password };
    else if ('apiKey' in auth) options.auth = { apiKey: auth.apiKey };
    else options.auth = { bearer: auth.bearer };
  }
  if (connection.tls !== undefined) {
    options.tls = {
      rejectUnauthorized: connection.tls.rejectUnauthorized,
      ...(connection.tls.caPem === undefined ? {} : { ca: connection.tls.caPem }),
    };
  }
  return new Client(options);
}

/** HTTP status of a client error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof errors.ResponseError ? error.statusCode : undefined;
}

/** Statuses of a whole request worth repeating: throttling and server-side trouble. */
export function isRetriableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * A client failure as a TributaryError without the raw client error: its `meta` holds the
 * request headers (credentials), so only the status and the server's reason are kept.
 */
export function requestFailed(operation: string, error: unknown): TributaryError {
  const status = statusOf(error);
  const reason = reasonOf(error);
  if (status === 401 || status === 403) {
    return new TributaryError(
      ElasticsearchErrorCodes.AUTH_FAILED,
      `Elasticsearch ${operation} was refused (HTTP ${status}): ${reason}`,
      { context: { operation, status } },
    );
  }
  const transport =
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError;
  return new TributaryError(
    ElasticsearchErrorCodes.REQUEST_FAILED,
    `Elasticsearch ${operation} failed${status === undefined ? '' : ` (HTTP ${status})`}: ${reason}`,
    {
      retriable: transport || (status !== undefined && isRetriableStatus(status)),
      context: { operation, ...(status === undefined ? {} : { status }) },
    },
  );
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.ResponseError) {
    const body = error.body as { error?: { type?: string; reason?: string } | string } | string | undefined;
    if (typeof body === 'object' && body !== null && typeof body.error === 'object') {
      return `${body.error.type ?? 'error'}: ${body.error.reason ?? ''}`.trim();
    }
    if (typeof body === 'object' && body !== null && typeof body.error === 'string') return body.error;
    return error.name;
  }
  if (error instanceof errors.ElasticsearchClientError) return `${error.name}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
