import type { PulsarConnection } from '../harness/service-types.js';

/** A failed admin REST call: the HTTP status and Pulsar's `reason`. */
export class PulsarAdminError extends Error {
  readonly status: number;

  constructor(method: string, path: string, status: number, reason: string) {
    super(`${method} ${path} answered HTTP ${status}: ${reason}`);
    this.name = 'PulsarAdminError';
    this.status = status;
  }
}

/**
 * One call to Pulsar's admin REST API (`/admin/v2`, `/admin/v3`, `/lookup`), JSON in and out.
 * A small fetch wrapper rather than a client library: the Node `pulsar-client` needs a native
 * build, and the admin API is plain HTTP.
 */
export async function pulsarAdmin<T = unknown>(
  connection: PulsarConnection,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const response = await fetch(`${connection.adminUrl}${path}`, {
    method,
    ...(signal === undefined ? {} : { signal }),
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  if (!response.ok) {
    let reason = text;
    try {
      reason = String((JSON.parse(text) as { reason?: unknown }).reason ?? text);
    } catch {
      // Not JSON: keep the text.
    }
    throw new PulsarAdminError(
      method,
      path,
      response.status,
      reason.split('\n').find((line) => line.trim() !== '') ?? '',
    );
  }
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as T;
  }
}
