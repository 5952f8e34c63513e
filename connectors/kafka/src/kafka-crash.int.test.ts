import { type KafkaService, useService } from '@tributary/e2e';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runExactlyOnceCrashScenario } from './testing-fixtures/kafka-crash-scenario.js';

describe('Kafka → map → Kafka exactly-once under 20 SIGKILLs (real broker, child processes)', () => {
  let kafka: KafkaService;
  beforeAll(async () => {
    kafka = await useService('kafka');
  });
  afterAll(async () => {
    await kafka?.close();
  });

  it('kills at random moments and between pre-commit and commit; read_committed output holds every input record exactly once, in order', async () => {
    await runExactlyOnceCrashScenario(kafka, { kills: 20, minMarkerKills: 4, timeoutMs: 150_000 });
  }, 180_000);
});
