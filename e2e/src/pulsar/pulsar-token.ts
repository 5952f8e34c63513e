import { createHmac } from 'node:crypto';
import { TributaryError } from '@tributary/core';
import { E2eErrorCodes } from '../harness/e2e-errors.js';
import type { PulsarConnection } from '../harness/service-types.js';

/** Options of {@link pulsarTestToken}. */
export interface PulsarTestTokenOptions {
  /** Seconds until the token expires (`exp`); none by default. */
  readonly expiresInSeconds?: number;
  /** Sign with this secret (base64) instead of the broker's: a token the broker must refuse. */
  readonly secretKeyBase64?: string;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * An HS256 JWT for `subject` (the role), signed with the harness broker's token secret, as
 * Pulsar's `tokens create --secret-key` makes it. For authentication tests only.
 */
export function pulsarTestToken(
  connection: PulsarConnection,
  subject: string,
  options: PulsarTestTokenOptions = {},
): string {
  const secret = options.secretKeyBase64 ?? connection.tokenSecretKeyBase64;
  if (secret === undefined) {
    throw new TributaryError(
      E2eErrorCodes.BACKEND_UNAVAILABLE,
      'this Pulsar service has no token authentication (the local backend provides it)',
      { context: { service: 'pulsar' } },
    );
  }
  const claims: Record<string, string | number> = { sub: subject };
  if (options.expiresInSeconds !== undefined) {
    claims.exp = Math.floor(Date.now() / 1000) + options.expiresInSeconds;
  }
  const unsigned = `${base64url(JSON.stringify({ alg: 'HS256' }))}.${base64url(JSON.stringify(claims))}`;
  const signature = createHmac('sha256', Buffer.from(secret, 'base64')).update(unsigned).digest();
  return `${unsigned}.${base64url(signature)}`;
}
