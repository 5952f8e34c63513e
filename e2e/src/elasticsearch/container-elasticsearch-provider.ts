import { ElasticsearchContainer } from '@testcontainers/elasticsearch';
import { containerProvider, startServiceContainer } from '../containers/container-support.js';
import type { ElasticsearchConnection } from '../harness/service-types.js';
import { ELASTICSEARCH_USER, ELASTICSEARCH_VERSION } from './elasticsearch-config.js';
import { probeElasticsearch } from './elasticsearch-probe.js';

/**
 * Elasticsearch in Docker with the official module and image of the same version as the local
 * backend, configured alike: security on without TLS, anonymous access as `superuser`, basic auth
 * checked for real (here as the built-in `elastic` user), 1 GiB heap.
 */
export const containerElasticsearchProvider = containerProvider<'elasticsearch'>({
  name: 'elasticsearch',
  version: ELASTICSEARCH_VERSION,
  readyTimeoutMs: 180_000,
  async launch() {
    const started = await startServiceContainer(
      'elasticsearch',
      new ElasticsearchContainer(`docker.elastic.co/elasticsearch/elasticsearch:${ELASTICSEARCH_VERSION}`)
        .withPassword(ELASTICSEARCH_USER.password)
        .withEnvironment({
          'xpack.security.authc.anonymous.username': 'anonymous',
          'xpack.security.authc.anonymous.roles': 'superuser',
          'xpack.security.authc.anonymous.authz_exception': 'true',
          'cluster.routing.allocation.disk.threshold_enabled': 'false',
          'action.destructive_requires_name': 'false',
        })
        // Read after the module's own `-Xmx2G` file (lexical order), so these win.
        .withCopyContentToContainer([
          {
            content: '-Xms1g\n-Xmx1g\n',
            target: '/usr/share/elasticsearch/config/jvm.options.d/tributary.options',
          },
        ]),
    );
    const connection: ElasticsearchConnection = {
      node: `http://${started.getHost()}:${started.getMappedPort(9200)}`,
      version: ELASTICSEARCH_VERSION,
      auth: { username: 'elastic', password: ELASTICSEARCH_USER.password },
      anonymousAccess: true,
    };
    return { container: started, connection };
  },
  probe: probeElasticsearch,
});
