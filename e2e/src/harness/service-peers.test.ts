import { readFileSync } from 'node:fs';
import { TributaryError } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { E2eErrorCodes } from './e2e-errors.js';
import { requireServicePeers, SERVICE_PEERS } from './service-peers.js';
import { SERVICE_NAMES } from './service-types.js';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
};

describe('service client libraries (optional peers)', () => {
  it('names every missing library of the service, with versions and the install command', () => {
    const thrown = (() => {
      try {
        requireServicePeers('kinesis', 'local', (pkg) => pkg === '@smithy/node-http-handler');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(TributaryError);
    const error = thrown as TributaryError;
    expect(error.code).toBe(E2eErrorCodes.MISSING_PEER);
    expect(error.message).toContain(
      `npm install --save-dev @aws-sdk/client-kinesis@${manifest.peerDependencies['@aws-sdk/client-kinesis']} kinesalite@${manifest.peerDependencies.kinesalite}`,
    );
    expect(error.context).toMatchObject({
      service: 'kinesis',
      missing: ['@aws-sdk/client-kinesis', 'kinesalite'],
    });
  });

  it('passes when the libraries are installed, and asks nothing of Pulsar on the local backend', () => {
    const asked: string[] = [];
    requireServicePeers('kafka', 'local', (pkg) => asked.push(pkg) > 0);
    requireServicePeers('pulsar', 'local', () => false);
    expect(asked).toEqual(['kafkajs']);
  });

  it('points a testcontainers run at the local backend as the alternative', () => {
    expect(() => requireServicePeers('postgres', 'testcontainers', (pkg) => pkg === 'pg')).toThrow(
      /testcontainers, @testcontainers\/postgresql.*TRIBUTARY_SERVICES_BACKEND=local/,
    );
  });

  it('matches package.json: each library an optional peer (and a dev dependency here), none a dependency', () => {
    const libraries = new Set(
      Object.values(SERVICE_PEERS).flatMap((byService) => SERVICE_NAMES.flatMap((name) => byService[name])),
    );
    const optionalPeers = Object.keys(manifest.peerDependencies).filter(
      (pkg) => manifest.peerDependenciesMeta[pkg]?.optional === true,
    );
    expect([...libraries].sort()).toEqual(optionalPeers.sort());
    for (const pkg of libraries) {
      expect(manifest.devDependencies[pkg], pkg).toBe(manifest.peerDependencies[pkg]);
      expect(manifest.dependencies[pkg], pkg).toBeUndefined();
    }
  });
});
