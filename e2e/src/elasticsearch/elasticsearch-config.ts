/**
 * The pinned Elasticsearch version. Locally it is Elastic's own minimal distribution from Maven
 * Central (`org.elasticsearch.distribution.integ-test-zip:elasticsearch:<v>:zip`); in Docker the
 * official image of the same version.
 */
export const ELASTICSEARCH_VERSION = '8.19.21';

/** The basic-auth user (file realm, `superuser` role); test-only credentials, not secret. */
export const ELASTICSEARCH_USER = { username: 'tributary', password: 'tributary-secret' } as const;

/** Inputs of {@link elasticsearchYml}. */
export interface ElasticsearchConfigInput {
  readonly httpPort: number;
  readonly transportPort: number;
  readonly dataDir: string;
  readonly logsDir: string;
}

/**
 * `elasticsearch.yml` of a single test node:
 * - `discovery.type: single-node`, bound to 127.0.0.1 (development mode: no production bootstrap
 *   checks such as `vm.max_map_count`);
 * - security on without TLS, with **anonymous access as `superuser`**: requests without
 *   credentials just work (as with security off), while basic auth with {@link ELASTICSEARCH_USER}
 *   is checked for real (a wrong password gets 401), so auth tests need no second node;
 * - no disk watermarks (a nearly full CI disk must not turn indices read-only);
 * - wildcard deletes allowed, so cleanup can drop `prefix-*`.
 */
export function elasticsearchYml(input: ElasticsearchConfigInput): string {
  const entries: Record<string, string | number | boolean> = {
    'cluster.name': 'tributary-e2e',
    'node.name': 'node-1',
    'discovery.type': 'single-node',
    'network.host': '127.0.0.1',
    'http.port': input.httpPort,
    'transport.port': input.transportPort,
    'path.data': input.dataDir,
    'path.logs': input.logsDir,
    'xpack.security.enabled': true,
    'xpack.security.http.ssl.enabled': false,
    'xpack.security.transport.ssl.enabled': false,
    'xpack.security.authc.anonymous.username': 'anonymous',
    'xpack.security.authc.anonymous.roles': 'superuser',
    'xpack.security.authc.anonymous.authz_exception': true,
    'xpack.license.self_generated.type': 'basic',
    'cluster.routing.allocation.disk.threshold_enabled': false,
    'action.destructive_requires_name': false,
  };
  return `${Object.entries(entries)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? JSON.stringify(value) : value}`)
    .join('\n')}\n`;
}

/**
 * JVM options added through `jvm.options.d`: a 1 GiB heap without pre-touching it (so resident
 * memory grows with use instead of starting at 1 GiB) and no GC log files.
 */
export function elasticsearchJvmOptions(extra: readonly string[]): string {
  const options = [
    '-Xms1g',
    '-Xmx1g',
    '-XX:-AlwaysPreTouch',
    '-Xlog:disable',
    '-Xlog:all=warning:stderr',
    ...extra,
  ];
  return `${options.join('\n')}\n`;
}
