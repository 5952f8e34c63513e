/**
 * Test-only: one broker of the 3-broker cluster SIGKILLed and restarted while a crash-test job
 * runs, driven by the job's stdout (see kafka-crash-scenario.ts). The kill lands on the leader of
 * an output partition once the job makes progress; the restart follows once the job committed
 * transactions with that broker down; the checks prove each step happened mid-run.
 */
import { type KafkaClusterService, waitUntil } from '@tributary/e2e';
import { expect } from 'vitest';
import { KAFKA_PHASE_MARKER_PREFIX } from '../sink/kafka-phase-markers.js';

type Phase = 'waiting' | 'killing' | 'down' | 'restarting' | 'up';

/** Options of {@link BrokerOutage}. */
export interface BrokerOutageOptions {
  /** The first job run (1, 2, …) whose progress triggers the kill. */
  readonly killInRun: number;
  /** Transactions the job must commit while the broker is down before it is restarted. */
  readonly commitsBeforeRestart: number;
}

/** A broker outage in the middle of a crash test: kill, failover, commits without it, restart. */
export class BrokerOutage {
  private phase: Phase = 'waiting';
  private output: string | undefined;
  private victim: number | undefined;
  private leaderWhileDown: number | undefined;
  private commitsWhileDown = 0;
  /** Job runs that started (restored, opened their writers) while the broker was dead. */
  private readonly runsStartedWhileDown = new Set<number>();
  private commitsOfThoseRuns = 0;
  /** From the kill's SIGKILL to the restart's return (leaders may still be moving at first). */
  private brokerDead = false;
  private commitsAfterRestart = 0;
  private finishedBeforeRestart = false;
  private action: Promise<void> = Promise.resolve();
  private failure: unknown;
  private markBack: () => void = () => undefined;
  /** Resolves once the killed broker is back (or a step failed). */
  private readonly isBack = new Promise<void>((resolve) => {
    this.markBack = resolve;
  });

  constructor(
    private readonly cluster: KafkaClusterService,
    private readonly options: BrokerOutageOptions,
  ) {}

  /** The output topic whose partition-0 leader is the broker to kill. */
  watch(output: string): void {
    this.output = output;
  }

  /** Called with every stdout line of the job (synchronously, from the crash loop). */
  see(line: string, run: number): void {
    const committed = line.startsWith(`${KAFKA_PHASE_MARKER_PREFIX} committed`);
    if (line === 'started' && this.brokerDead) this.runsStartedWhileDown.add(run);
    if (this.phase === 'waiting' && run >= this.options.killInRun && line.startsWith('progress ')) {
      this.phase = 'killing';
      this.act(() => this.kill());
    } else if (this.phase === 'down' && committed) {
      this.commitsWhileDown++;
      if (this.runsStartedWhileDown.has(run)) this.commitsOfThoseRuns++;
      // The restart waits for a commit of a run that started with the broker dead: its writers
      // found coordinators and listed lingering transactions through the failover.
      if (this.commitsWhileDown >= this.options.commitsBeforeRestart && this.commitsOfThoseRuns > 0) {
        this.phase = 'restarting';
        this.act(() => this.restart());
      }
    } else if (this.phase === 'up' && committed) {
      this.commitsAfterRestart++;
    }
    if (line.startsWith('finished restored=') && this.phase !== 'up') this.finishedBeforeRestart = true;
  }

  /**
   * Resolves once the outage ran its course: at once when no broker was killed, else when the
   * broker is back. The last job run waits for it before going at full speed, so the restart
   * happens while the job runs.
   */
  back(): Promise<void> {
    return this.phase === 'waiting' ? Promise.resolve() : this.isBack;
  }

  /**
   * Resolves once no kill or restart is in flight and the killed broker (if any) is back — the
   * last run waits for it before going at full speed; `finally` blocks call it so a failed test
   * never leaves the shared cluster with a dead broker.
   */
  async over(): Promise<void> {
    for (;;) {
      const pending = this.action;
      await pending;
      if (pending !== this.action) continue;
      if (this.phase === 'down') {
        this.phase = 'restarting';
        this.act(() => this.restart());
        continue;
      }
      return;
    }
  }

  /** One line for assertion messages. */
  summary(): string {
    return `broker ${this.victim ?? '-'} outage: ${this.phase}, partition 0 led by ${this.leaderWhileDown ?? '-'} while down, ${this.commitsWhileDown} commits while down (${this.commitsOfThoseRuns} by runs ${[...this.runsStartedWhileDown].join(',') || '-'} started while down), ${this.commitsAfterRestart} after the restart`;
  }

  /** The outage happened in the middle of the run and the broker caught up again. */
  async verify(context: string): Promise<void> {
    await this.over();
    expect(this.failure, context).toBeUndefined();
    expect(this.victim, context).toBeDefined();
    // Leadership moved off the dead broker, and the job committed through the new leaders.
    expect(this.leaderWhileDown, context).not.toBe(this.victim);
    expect(this.commitsWhileDown, context).toBeGreaterThanOrEqual(this.options.commitsBeforeRestart);
    // A run restored from a checkpoint while the broker was dead and committed: writers start
    // (InitProducerId, ListTransactions to every broker) through the failover, without a restart.
    expect(this.commitsOfThoseRuns, context).toBeGreaterThanOrEqual(1);
    // The restart happened while the job still ran, and the job committed with it back.
    expect(this.finishedBeforeRestart, context).toBe(false);
    expect(this.commitsAfterRestart, context).toBeGreaterThanOrEqual(1);
    const victim = this.victim as number;
    await waitUntil(
      async () => {
        const lagging = (await this.cluster.replicas(this.topic())).filter((p) => !p.isr.includes(victim));
        if (lagging.length > 0)
          throw new Error(`broker ${victim} not in the ISR of ${lagging.length} partitions`);
      },
      { what: `broker ${victim} to catch up`, timeoutMs: 60_000 },
    );
  }

  private act(step: () => Promise<void>): void {
    this.action = this.action.then(step).catch((error: unknown) => {
      this.failure ??= error;
      this.markBack();
    });
  }

  private topic(): string {
    if (this.output === undefined) throw new Error('BrokerOutage.watch(output) was not called');
    return this.output;
  }

  private async kill(): Promise<void> {
    const before = await this.cluster.replicas(this.topic());
    const victim = before[0]?.leader;
    if (victim === undefined || victim < 0) throw new Error(`no leader for ${this.topic()}-0`);
    this.victim = victim;
    await this.cluster.killBroker(victim);
    this.brokerDead = true;
    // The controller fences the dead broker (broker.session.timeout.ms) and elects new leaders.
    await waitUntil(
      async () => {
        const now = await this.cluster.replicas(this.topic());
        if (now.some((p) => p.leader === victim || p.leader < 0))
          throw new Error(`broker ${victim} still leads (or no leader yet)`);
        this.leaderWhileDown = now[0]?.leader;
      },
      { what: `leaders to move off broker ${victim}`, timeoutMs: 60_000 },
    );
    this.phase = 'down';
  }

  private async restart(): Promise<void> {
    await this.cluster.restartBroker(this.victim as number);
    this.brokerDead = false;
    this.phase = 'up';
    this.markBack();
  }
}
