import { describe, expect, it } from 'vitest';
import { elasticsearchJvmOptions, elasticsearchYml } from './elasticsearch-config.js';

describe('elasticsearch config', () => {
  const yml = elasticsearchYml({ httpPort: 9200, transportPort: 9300, dataDir: '/d', logsDir: '/l' });

  it('is one loopback node with security on, anonymous superuser access and no TLS', () => {
    expect(yml).toContain('discovery.type: "single-node"');
    expect(yml).toContain('network.host: "127.0.0.1"');
    expect(yml).toContain('http.port: 9200');
    expect(yml).toContain('xpack.security.enabled: true');
    expect(yml).toContain('xpack.security.http.ssl.enabled: false');
    expect(yml).toContain('xpack.security.authc.anonymous.roles: "superuser"');
  });

  it('sets a 1 GiB heap without pre-touch and appends extra flags last', () => {
    const options = elasticsearchJvmOptions(['-Dx=1']).trim().split('\n');
    expect(options.slice(0, 3)).toEqual(['-Xms1g', '-Xmx1g', '-XX:-AlwaysPreTouch']);
    expect(options.at(-1)).toBe('-Dx=1');
  });
});
