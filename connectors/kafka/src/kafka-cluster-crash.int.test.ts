import { type KafkaClusterService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BrokerOutage } from './testing-fixtures/broker-outage.js';
import { runExactlyOnceCrashScenario } from './testing-fixtures/kafka-crash-scenario.js';

// 8 job kills and the broker outage, in CI too since the e2e files run in two lanes (the 20-kill
// single-broker test covers recovery at length); TRIB_KAFKA_CLUSTER_CRASH_KILLS overrides it.
const KILLS = Number(process.env.TRIB_KAFKA_CLUSTER_CRASH_KILLS ?? 8);

describe('Kafka → map → Kafka exactly-once on a 3-broker Kafka 4 cluster, job SIGKILLs and a broker SIGKILL', () => {
  let cluster: KafkaClusterService;
  beforeAll(async () => {
    cluster = await useService('kafka-cluster');
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it(`kills the job ${KILLS} times and the leader broker of the output once (restarted mid-run); the job rides through the outage without a restart; the Java read_committed consumer sees every record exactly once, in order`, async () => {
    // Fewer job kills than on the single broker (which has 20): the cluster run proves failover
    // and the broker's return under an exactly-once job; recovery itself is covered there.
    const outage = new BrokerOutage(cluster, { killInRun: 2, commitsBeforeRestart: 3 });
    await runExactlyOnceCrashScenario(cluster, {
      kills: KILLS,
      minMarkerKills: KILLS < 6 ? 1 : 2,
      timeoutMs: 200_000,
      outage,
      // Kill timers count from the restore, so every run gets going (cold start-ups of 3 cluster
      // clients on a loaded machine took longer than the kill window). No in-process restarts:
      // a run the outage fails fails the test, so the job must ride through the broker's death
      // (coordinator and leader failover) on its own.
      killDelayFrom: 'restored',
    });
  }, 260_000);
});
