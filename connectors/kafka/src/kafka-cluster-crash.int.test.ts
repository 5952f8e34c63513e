import { type KafkaClusterService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BrokerOutage } from './testing-fixtures/broker-outage.js';
import { runExactlyOnceCrashScenario } from './testing-fixtures/kafka-crash-scenario.js';

describe('Kafka → map → Kafka exactly-once on a 3-broker Kafka 4 cluster, job SIGKILLs and a broker SIGKILL', () => {
  let cluster: KafkaClusterService;
  beforeAll(async () => {
    cluster = await useService('kafka-cluster');
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('kills the job 8 times and the leader broker of the output once (restarted mid-run); the Java read_committed consumer sees every record exactly once, in order', async () => {
    // Fewer job kills than on the single broker (which has 20): the cluster run proves failover
    // and the broker's return under an exactly-once job; recovery itself is covered there.
    const outage = new BrokerOutage(cluster, { killInRun: 2, commitsBeforeRestart: 3 });
    await runExactlyOnceCrashScenario(cluster, {
      kills: 8,
      minMarkerKills: 2,
      timeoutMs: 200_000,
      outage,
      // Kill timers count from the restore, so every run gets going (cold start-ups of 3 cluster
      // clients on a loaded machine took longer than the kill window), and the job restarts
      // in-process when the outage fails it, as a production job configured with a restart
      // strategy would: exactly-once must hold across those restarts too.
      killDelayFrom: 'restored',
      jobRestarts: 5,
    });
  }, 260_000);
});
