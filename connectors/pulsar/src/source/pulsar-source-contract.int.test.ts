/**
 * The `@tributary/e2e/contract` source suites against the local broker, per subscription type,
 * kept lean for CI: Exclusive runs every case (bounded and unbounded, crash cases included);
 * Key_Shared — the transactional-ack path Shared shares — runs the unbounded cases, its crash
 * case included. Failover differs from Exclusive only in the subscription type it asks the
 * broker for, Shared from Key_Shared only in how the broker spreads messages: both have a
 * focused test in pulsar-source.int.test.ts.
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
