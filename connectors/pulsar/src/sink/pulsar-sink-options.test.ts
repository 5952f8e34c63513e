import { InvalidOptionsError } from '@tributary/core';
import { thrownBy } from '@tributary/core/testing';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PULSAR_TRANSACTION_TIMEOUT_MS, PulsarSinkOptions } from './pulsar-sink-options.js';

describe('PulsarSinkOptions', () => {
  it('applies the defaults: at-least-once, batching on, 5-minute transactions', () => {
    const options = PulsarSinkOptions.parse({ serviceUrl: 'pulsar://localhost:6650' });
    expect(options).toMatchObject({
      deliveryGuarantee: 'at-least-once',
      transactionTimeoutMs: DEFAULT_PULSAR_TRANSACTION_TIMEOUT_MS,
      batchingEnabled: true,
      compression: 'none',
    });
    expect(DEFAULT_PULSAR_TRANSACTION_TIMEOUT_MS).toBe(300_000);
  });

  it('names the key of a bad value and how to fix it', () => {
    const error = thrownBy(() => PulsarSinkOptions.parse({ serviceUrl: 'http://localhost:8080' }));
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error.message).toContain('pulsar.sink.serviceUrl');
    expect(error.message).toContain('pulsar://host:6650');
    const unknown = thrownBy(() =>
      PulsarSinkOptions.parse({ serviceUrl: 'pulsar://h:6650', transactionTimeout: 5 }),
    );
    expect(unknown.message).toContain("'transactionTimeout'");
    const tooShort = thrownBy(() =>
      PulsarSinkOptions.parse({ serviceUrl: 'pulsar://h:6650', transactionTimeoutMs: 10 }),
    );
    expect(tooShort.message).toContain('pulsar.sink.transactionTimeoutMs');
  });

  it('never echoes the token in an error', () => {
    const error = thrownBy(() =>
      PulsarSinkOptions.parse({
        serviceUrl: 'pulsar://h:6650',
        authenticationToken: 'secret-jwt',
        compression: 'brotli',
      }),
    );
    expect(error.message).toContain('pulsar.sink.compression');
    expect(error.message).not.toContain('secret-jwt');
  });
});
