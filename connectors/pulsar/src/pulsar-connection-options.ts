import { PulsarClient, tokenAuthentication } from '@tributary/pulsar-client';
import { z } from 'zod';

/**
 * The connection keys every Pulsar component (source, sink) takes, for spreading into its
 * strict options schema. Same names as the sink's options, so one job configures both alike.
 */
export const pulsarConnectionShape = {
  serviceUrl: z
    .string()
    .regex(/^pulsar(\+ssl)?:\/\/.+/, 'use pulsar://host:6650 or pulsar+ssl://host:6651')
    .describe('Broker or proxy URL: `pulsar://host:6650`, or `pulsar+ssl://host:6651` for TLS.'),
  authenticationToken: z.string().min(1).optional().describe('Token (JWT) authentication. Never logged.'),
  tlsTrustCertsPem: z
    .string()
    .optional()
    .describe('PEM of the CA that signed the brokers’ certificates (`pulsar+ssl://` only).'),
  operationTimeoutMs: z
    .number()
    .int()
    .min(100)
    .default(30_000)
    .describe('Retry budget of lookups, (re)connects and transaction requests.'),
} as const;

/** The connection part of a parsed options object. */
export interface PulsarConnectionOptions {
  readonly serviceUrl: string;
  readonly authenticationToken?: string | undefined;
  readonly tlsTrustCertsPem?: string | undefined;
  readonly operationTimeoutMs: number;
}

/** A client for `options` (not connected yet: connections open on first use). */
export function createPulsarClient(options: PulsarConnectionOptions): PulsarClient {
  return new PulsarClient({
    serviceUrl: options.serviceUrl,
    operationTimeoutMs: options.operationTimeoutMs,
    ...(options.authenticationToken === undefined
      ? {}
      : { authentication: tokenAuthentication(options.authenticationToken) }),
    ...(options.tlsTrustCertsPem === undefined ? {} : { tls: { ca: options.tlsTrustCertsPem } }),
  });
}
