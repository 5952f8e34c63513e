/**
 * The `@tributary/e2e/contract` source suites against the local broker, one per subscription
 * type, crash cases included for each. Exclusive runs every case (bounded and unbounded) with the
 * suite's kill counts; Key_Shared — the transactional-ack path Shared shares — runs the unbounded
 * cases. Failover (Exclusive's path with another subscription type: bounded and unbounded) and
 * Shared (Key_Shared's path with another spread of messages: unbounded) take fewer kills, since
 * their recovery code is the same as their siblings'.
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
  crash: { ...crash, kills: 2 },
  unboundedCrashKills: 1,
});

describeSourceContract({
  name: 'PulsarSource Shared',
  guarantees: ['exactly-once'],
  contextModule,
  exportName: 'sharedSourceContext',
  crash: { ...crash, kills: 2 },
  unboundedCrashKills: 1,
});
