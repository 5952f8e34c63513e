import { PulsarClient, tokenAuthentication } from '@tributary/pulsar-client';
import type { ResolvedPulsarSinkOptions } from './pulsar-sink-options.js';

/** A client for a writer or the committer, from the sink's connection options. */
export function createSinkClient(options: ResolvedPulsarSinkOptions): PulsarClient {
  return new PulsarClient({
    serviceUrl: options.serviceUrl,
    operationTimeoutMs: options.operationTimeoutMs,
    ...(options.authenticationToken === undefined
      ? {}
      : { authentication: tokenAuthentication(options.authenticationToken) }),
    ...(options.tlsTrustCertsPem === undefined ? {} : { tls: { ca: options.tlsTrustCertsPem } }),
  });
}
