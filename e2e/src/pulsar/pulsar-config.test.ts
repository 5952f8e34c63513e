import { describe, expect, it } from 'vitest';
import { pulsarStandaloneConf } from './pulsar-config.js';

describe('pulsar standalone config', () => {
  const conf = Object.fromEntries(
    pulsarStandaloneConf({
      ports: { broker: 6650, web: 8080 },
      bindAddress: '127.0.0.1',
      advertisedAddress: 'localhost',
    })
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );

  it('enables transactions and what they need', () => {
    expect(conf.transactionCoordinatorEnabled).toBe('true');
    expect(conf.systemTopicEnabled).toBe('true');
    expect(conf.topicLevelPoliciesEnabled).toBe('true');
  });

  it('serves binary, admin and WebSocket on the chosen ports, without a functions worker', () => {
    expect(conf.brokerServicePort).toBe('6650');
    expect(conf.webServicePort).toBe('8080');
    expect(conf.advertisedAddress).toBe('localhost');
    expect(conf.webSocketServiceEnabled).toBe('true');
    expect(conf.functionsWorkerEnabled).toBe('false');
  });

  it('fits one bookie', () => {
    expect(conf.managedLedgerDefaultEnsembleSize).toBe('1');
    expect(conf.managedLedgerDefaultWriteQuorum).toBe('1');
    expect(conf.managedLedgerDefaultAckQuorum).toBe('1');
  });
});
