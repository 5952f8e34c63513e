/**
 * The `@tributary/e2e/contract` source suites against the local broker, one per subscription
 * type. Exclusive runs every case (bounded and unbounded, crash cases included); Key_Shared — the
 * transactional-ack path Shared shares — runs the unbounded cases, its crash case included.
 * Failover (Exclusive's path with another subscription type: every bounded and unbounded case) and
 * Shared (Key_Shared's path with another message spread: the unbounded cases) run without their
 * crash cases, which would test the same recovery code again at a minute of CI each.
 */
import { describeSourceContract } from '@tributary/e2e/contract';

const contextModule = new URL('../testing-fixtures/pulsar-source-contract-context.ts', import.meta.url);
// A restarted Pulsar job subscribes (and, for Shared/Key_Shared, settles the restored checkpoint's
// transaction) before its first checkpoint: kills land later than the default 0.9–1.8 s so most
// runs get to store one, which the suite requires of a restore.
const crash = { minKillDelayMs: 2500, maxKillDelayMs: 4000 };

describeSourceContract({
  name: 'PulsarSource Exclusive',
  guarantees: ['exactly-once'],
  contextModule,
  exportName: 'exclusiveSourceContext',
  crash,
});

describeSourceContract({
  name: 'PulsarSource Key_Shared',
  guarantees: ['exactly-once'],
  contextModule,
  exportName: 'keySharedSourceContext',
  crash,
});

describeSourceContract({
  name: 'PulsarSource Failover',
  guarantees: ['exactly-once'],
  contextModule,
  exportName: 'failoverSourceContext',
  crash: false,
});

describeSourceContract({
  name: 'PulsarSource Shared',
  guarantees: ['exactly-once'],
  contextModule,
  exportName: 'sharedSourceContext',
  crash: false,
});
