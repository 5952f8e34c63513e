import type { ElasticsearchConnection } from '../harness/service-types.js';

/**
 * The Elasticsearch readiness check: cluster health at least yellow, answered by Elasticsearch
 * (the `X-Elastic-Product` header the official client insists on), and — when the connection
 * carries credentials — a successful basic-auth `_security/_authenticate`.
 */
export async function probeElasticsearch(
  connection: ElasticsearchConnection,
  signal: AbortSignal,
): Promise<void> {
  const health = await fetch(`${connection.node}/_cluster/health?wait_for_status=yellow&timeout=2s`, {
    signal,
  });
  const body = (await health.json()) as { status?: string; timed_out?: boolean };
  if (!health.ok || body.timed_out === true || body.status === 'red') {
    throw new Error(`Elasticsearch health is ${body.status ?? health.status}`);
  }
  if (health.headers.get('x-elastic-product') !== 'Elasticsearch') {
    throw new Error('The server on the Elasticsearch port is not Elasticsearch');
  }
  if (connection.auth !== undefined) {
    const token = Buffer.from(`${connection.auth.username}:${connection.auth.password}`).toString('base64');
    const auth = await fetch(`${connection.node}/_security/_authenticate`, {
      signal,
      headers: { authorization: `Basic ${token}` },
    });
    await auth.arrayBuffer();
    if (!auth.ok) throw new Error(`Elasticsearch basic auth failed with HTTP ${auth.status}`);
  }
}
