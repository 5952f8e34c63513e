import { hasErrorCode, InvalidOptionsError } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRANSACTION_TIMEOUT_MS, KafkaSinkOptions } from './kafka-sink-options.js';

function issues(input: unknown): { key: string; message: string }[] {
  try {
    KafkaSinkOptions.parse(input);
  } catch (error) {
    expect(hasErrorCode(error, 'TRIB_INVALID_OPTIONS')).toBe(true);
    return [...(error as InvalidOptionsError).issues];
  }
  return [];
}

describe('KafkaSinkOptions', () => {
  it('applies defaults: at-least-once, idempotent, acks all, 15 min transactions', () => {
    const o = KafkaSinkOptions.parse({ brokers: ['localhost:9092'] });
    expect(o.deliveryGuarantee).toBe('at-least-once');
    expect(o.idempotent).toBe(true);
    expect(o.acks).toBe('all');
    expect(o.transactionTimeoutMs).toBe(DEFAULT_TRANSACTION_TIMEOUT_MS);
    expect(o.ssl).toBe(false);
  });

  it('accumulates like the Java producer by default: 5 ms linger, requests up to 1000 records or 1 MB', () => {
    const o = KafkaSinkOptions.parse({ brokers: ['localhost:9092'] });
    expect([o.lingerMs, o.maxRecordsPerRequest, o.batchSizeBytes, o.maxInFlightRequests]).toEqual([
      5, 1000, 1_000_000, 1,
    ]);
    expect(issues({ brokers: ['b:1'], lingerMs: -1, batchSizeBytes: 0 }).map((i) => i.key)).toEqual([
      'kafka.sink.lingerMs',
      'kafka.sink.batchSizeBytes',
    ]);
  });

  it('rides through a coordinator failover for 60 s by default; the window is a whole number of ms ≥ 0', () => {
    expect(KafkaSinkOptions.parse({ brokers: ['b:1'] }).coordinatorFailoverTimeoutMs).toBe(60_000);
    expect(
      KafkaSinkOptions.parse({ brokers: ['b:1'], coordinatorFailoverTimeoutMs: 0 })
        .coordinatorFailoverTimeoutMs,
    ).toBe(0);
    for (const bad of [-1, 1.5, '60000']) {
      expect(issues({ brokers: ['b:1'], coordinatorFailoverTimeoutMs: bad }).map((i) => i.key)).toEqual([
        'kafka.sink.coordinatorFailoverTimeoutMs',
      ]);
    }
  });

  it('requires a transactional id prefix for exactly-once', () => {
    expect(issues({ brokers: ['b:1'], deliveryGuarantee: 'exactly-once' })).toEqual([
      { key: 'kafka.sink.transactionalIdPrefix', message: expect.stringMatching(/required/) },
    ]);
  });

  it('refuses acks other than all and more requests in flight for an idempotent producer', () => {
    const keys = issues({ brokers: ['b:1'], acks: 'leader', maxInFlightRequests: 4 }).map((i) => i.key);
    expect(keys).toEqual(['kafka.sink.acks', 'kafka.sink.maxInFlightRequests']);
    expect(issues({ brokers: ['b:1'], acks: 'leader', maxInFlightRequests: 4, idempotent: false })).toEqual(
      [],
    );
  });

  it('names unknown and malformed keys without echoing secrets', () => {
    const found = issues({
      brokers: ['nohostport'],
      sasl: { mechanism: 'scram-sha-256', username: 'u', password: '' },
      // The Java producer's name, not this sink's (`lingerMs`).
      'linger.ms': 5,
    });
    const keys = found.map((i) => i.key);
    expect(keys).toContain('kafka.sink.brokers.0');
    expect(keys).toContain('kafka.sink.sasl.password');
    expect(keys).toContain('kafka.sink');
    expect(JSON.stringify(found)).not.toContain('nohostport');
  });

  it('accepts TLS material and SASL mechanisms', () => {
    const o = KafkaSinkOptions.parse({
      brokers: ['b:9093'],
      ssl: { ca: '-----BEGIN CERTIFICATE-----', rejectUnauthorized: false },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'secret' },
    });
    expect(o.ssl).toEqual({ ca: '-----BEGIN CERTIFICATE-----', rejectUnauthorized: false });
    expect(o.sasl?.mechanism).toBe('scram-sha-512');
    expect(InvalidOptionsError).toBeDefined();
  });

  it('accepts OAUTHBEARER with a token provider and custom mechanisms (AWS MSK IAM) as kafkajs takes them', () => {
    const oauthBearerProvider = async () => ({ value: 'token' });
    const authenticationProvider = () => ({ authenticate: async () => undefined });
    const socketFactory = () => {
      throw new Error('not called by parse');
    };
    const oauth = KafkaSinkOptions.parse({
      brokers: ['b:9094'],
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider },
      socketFactory,
    });
    expect(oauth.sasl).toEqual({ mechanism: 'oauthbearer', oauthBearerProvider });
    expect(oauth.socketFactory).toBe(socketFactory);
    const msk = KafkaSinkOptions.parse({
      brokers: ['b:9098'],
      sasl: { mechanism: 'AWS_MSK_IAM', authenticationProvider },
    });
    expect(msk.sasl).toEqual({ mechanism: 'AWS_MSK_IAM', authenticationProvider });
  });

  it('refuses a token provider or authenticator that is not a function, naming the key', () => {
    // No shape of the union fits: the key is the union's.
    expect(
      issues({ brokers: ['b:1'], sasl: { mechanism: 'oauthbearer', oauthBearerProvider: 'eyJhbGciOi' } }).map(
        (i) => i.key,
      ),
    ).toEqual(['kafka.sink.sasl']);
    expect(
      issues({ brokers: ['b:1'], sasl: { mechanism: 'AWS_MSK_IAM', authenticationProvider: {} } }).map(
        (i) => i.key,
      ),
    ).toEqual(['kafka.sink.sasl']);
    expect(issues({ brokers: ['b:1'], socketFactory: 42 }).map((i) => i.key)).toEqual([
      'kafka.sink.socketFactory',
    ]);
    expect(
      JSON.stringify(
        issues({ brokers: ['b:1'], sasl: { mechanism: 'oauthbearer', oauthBearerProvider: 'eyJhbGciOi' } }),
      ),
    ).not.toContain('eyJhbGciOi');
  });
});
