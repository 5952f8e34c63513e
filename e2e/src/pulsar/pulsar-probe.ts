import type { PulsarConnection } from '../harness/service-types.js';
import { pulsarAdmin } from './pulsar-admin.js';

/** What `GET /admin/v3/transactions/coordinatorStats` answers per coordinator id. */
export type TransactionCoordinatorStats = Record<string, { state?: string; leastSigBits?: number }>;

/**
 * The first half of the Pulsar readiness check: the broker answers its health check and the
 * standalone bootstrap has created `public/default` (it does so after the broker is up).
 */
export async function probePulsarBroker(connection: PulsarConnection, signal: AbortSignal): Promise<void> {
  const health = await pulsarAdmin<string>(connection, 'GET', '/admin/v2/brokers/health', undefined, signal);
  if (health !== 'ok') throw new Error(`Pulsar broker health: ${String(health)}`);
  const namespaces = await pulsarAdmin<string[]>(
    connection,
    'GET',
    '/admin/v2/namespaces/public',
    undefined,
    signal,
  );
  if (!namespaces.includes('public/default')) throw new Error('Pulsar has not created public/default yet');
}

/**
 * The full Pulsar readiness check: broker ready and the transaction coordinator loaded and
 * `Ready`. A coordinator loads when the first transactional client connects, which the local
 * launcher does once at start (see `pulsar-transaction-check.ts`).
 */
export async function probePulsar(connection: PulsarConnection, signal: AbortSignal): Promise<void> {
  await probePulsarBroker(connection, signal);
  const stats = await pulsarAdmin<TransactionCoordinatorStats>(
    connection,
    'GET',
    '/admin/v3/transactions/coordinatorStats',
    undefined,
    signal,
  );
  const states = Object.values(stats).map((coordinator) => coordinator.state);
  if (states.length === 0 || !states.every((state) => state === 'Ready')) {
    throw new Error(`Pulsar transaction coordinators not ready: ${JSON.stringify(stats)}`);
  }
}
