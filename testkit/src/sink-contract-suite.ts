import { MetricRegistry, silentLogger } from '@tributary/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CrashRun, runWithCrashes, showsNoCommittables } from './child-job.js';
import type { ChildRunSpec } from './contract-child-runner.js';
import type { SinkContractContext, SinkTestSetup } from './contract-context.js';
import {
  contractJobOptions,
  loadContext,
  SINK_UNDER_TEST,
  type SinkJobSpec,
  sinkContractJob,
} from './contract-jobs.js';
import { checkContractMetrics } from './contract-metrics.js';
import {
  CHILD_RUNNER,
  type ContractSuiteOptions,
  contextModulePath,
  crashSettings,
  expectRestores,
  pollUntil,
  TestDirs,
  testIdFor,
} from './contract-suite-support.js';
import { verifySinkOutput } from './contract-verification.js';

/** Options of {@link describeSinkContract}. */
export interface SinkContractOptions extends ContractSuiteOptions {
  /** Records per generated split (the suite writes 4–6 splits). Default 300. */
  readonly recordsPerSplit?: number;
  /** Rate (records/s, whole job) of the mid-stream tests. Default 1000 (crash test: half of it). */
  readonly recordsPerSecond?: number;
}

/**
 * Registers the sink contract tests for a connector, once per claimed guarantee: a bounded write;
 * stop with savepoint mid-stream and resume; savepoint and rescale up, then down; a child
 * process killed with SIGKILL and restarted from its checkpoints. After each, what the external
 * system holds (`readBack`) must be every record exactly once (`exactly-once`) or at least once
 * (`at-least-once`). The bounded write also passes the FLIP-33 metrics check (`numRecordsSend`
 * equals the record count).
 *
 * @example
 * ```ts
 * describeSinkContract({
 *   name: 'jsonl-partitions',
 *   guarantees: ['exactly-once', 'at-least-once'],
 *   contextModule: new URL('./jsonl-contract-context.ts', import.meta.url),
 *   exportName: 'sinkContext',
 * });
 * ```
 */
export function describeSinkContract(options: SinkContractOptions): void {
  const exportName = options.exportName ?? 'default';
  const perSplit = options.recordsPerSplit ?? 300;
  const rate = options.recordsPerSecond ?? 1000;
  let context: SinkContractContext;
  const dirs = new TestDirs();
  const setups: SinkTestSetup[] = [];

  describe(`sink contract: ${options.name}`, () => {
    beforeAll(async () => {
      context = await loadContext(options.contextModule, exportName, ['createSink', 'readBack']);
    });
    afterEach(async () => {
      for (const setup of setups.splice(0)) await context.cleanup?.(setup);
      await dirs.removeAll();
    });

    for (const guarantee of options.guarantees) {
      describe(guarantee, () => {
        const prepare = async (label: string) => {
          const setup: SinkTestSetup = {
            testId: testIdFor(`${options.name}-${label}`),
            workDir: await dirs.create(`${label}-work`),
            guarantee,
          };
          setups.push(setup);
          await context.prepare?.(setup);
          return { setup, checkpoints: await dirs.create(`${label}-chk`) };
        };
        const held = async (setup: SinkTestSetup) => (await context.readBack(setup)).length;
        const verify = async (setup: SinkTestSetup, splits: number, recordsPerSplit = perSplit) =>
          expect(verifySinkOutput(splits, recordsPerSplit, await context.readBack(setup), guarantee)).toEqual(
            [],
          );
        const start = (spec: SinkJobSpec, parallelism: number, dir: string, restoreFrom?: string) =>
          sinkContractJob(context, spec).start(
            contractJobOptions(guarantee, parallelism, dir, restoreFrom === undefined ? {} : { restoreFrom }),
            { logger: silentLogger },
          );
        const progressBeyond = (setup: SinkTestSetup, count: number) =>
          pollUntil(async () => (await held(setup)) > count, `the sink to hold more than ${count} records`);

        it('writes every record of a bounded job; metrics conform', async () => {
          const t = await prepare('basic');
          const registry = new MetricRegistry();
          const result = await sinkContractJob(context, {
            setup: t.setup,
            splits: 4,
            recordsPerSplit: perSplit,
          }).execute(contractJobOptions(guarantee, 2, t.checkpoints), {
            metricRegistry: registry,
            logger: silentLogger,
          });
          expect(result.status).toBe('finished');
          await verify(t.setup, 4);
          checkContractMetrics(registry, {
            role: 'sink',
            expectedRecords: 4 * perSplit,
            labels: { operator: SINK_UNDER_TEST },
            options: context.metrics,
          });
        });

        it('stops with a savepoint mid-stream and resumes from it', async () => {
          const t = await prepare('savepoint');
          const spec = { setup: t.setup, splits: 4, recordsPerSplit: perSplit, recordsPerSecond: rate };
          const first = start(spec, 2, `${t.checkpoints}/a`);
          await progressBeyond(t.setup, 0);
          const savepoint = await first.stopWithSavepoint({ directory: `${t.checkpoints}/savepoints` });
          expect(await held(t.setup)).toBeLessThan(4 * perSplit);
          const result = await start(spec, 2, `${t.checkpoints}/b`, savepoint).result;
          expect(result.status).toBe('finished');
          await verify(t.setup, 4);
        });

        it('rescales from a savepoint: parallelism 2 → 4 → 1', async () => {
          const t = await prepare('rescale');
          const spec = { setup: t.setup, splits: 6, recordsPerSplit: perSplit, recordsPerSecond: rate };
          const at2 = start(spec, 2, `${t.checkpoints}/p2`);
          await progressBeyond(t.setup, 0);
          const sp1 = await at2.stopWithSavepoint({ directory: `${t.checkpoints}/savepoints` });
          const afterFirst = await held(t.setup);
          const at4 = start(spec, 4, `${t.checkpoints}/p4`, sp1);
          await progressBeyond(t.setup, afterFirst);
          const sp2 = await at4.stopWithSavepoint({ directory: `${t.checkpoints}/savepoints` });
          expect(await held(t.setup)).toBeLessThan(6 * perSplit);
          const result = await start(spec, 1, `${t.checkpoints}/p1`, sp2).result;
          expect(result.status).toBe('finished');
          await verify(t.setup, 6);
        });

        if (options.crash !== false) {
          const crash = crashSettings(options.crash ?? {});
          it(`survives ${crash.kills} SIGKILLs of the job process mid-stream`, async () => {
            const t = await prepare('crash');
            // Sized so the job needs more time than the kills leave it: every kill lands mid-stream.
            const crashRate = rate / 2;
            const recordsPerSplit = Math.ceil(
              (crashRate * (crash.kills + 3) * (crash.maxKillDelayMs / 1000)) / 4,
            );
            const spec: ChildRunSpec = {
              kind: 'sink',
              contextModule: contextModulePath(options.contextModule),
              exportName,
              guarantee,
              parallelism: 2,
              checkpointDir: t.checkpoints,
              job: { setup: t.setup, splits: 4, recordsPerSplit, recordsPerSecond: crashRate },
            };
            // Exactly-once sinks: all runs but the second die on the runtime's "stored" marker
            // (checkpoint durable, committables not committed); the rest at a seeded moment. A
            // sink without a committer (exactly-once by idempotent writes) stores checkpoints
            // without committables, so its marker never comes: once an earlier run shows that,
            // the rest die at a seeded moment instead of on the marker's 5–6 s fallback timer.
            const onStored = (run: number, previous: readonly CrashRun[]) =>
              guarantee === 'exactly-once' && run !== 2 && !showsNoCommittables(previous);
            const result = await runWithCrashes({
              script: CHILD_RUNNER,
              args: [JSON.stringify(spec)],
              ...crash,
              killDelayFrom: 'restored',
              killOnStored: onStored,
              killDelayForRun: (run, previous) =>
                onStored(run, previous) ? [5000, 6000] : [crash.minKillDelayMs, crash.maxKillDelayMs],
            });
            const context = result.summary;
            expect(result.kills, context).toBe(crash.kills);
            expect(result.finishedEarly, context).toBe(false);
            expectRestores(result);
            // A sink with a committer must show kills between its phases; an idempotent sink
            // (exactly-once by overwriting ids, no committables) has no such window.
            if (guarantee === 'exactly-once' && result.storedWithCommittables > 0) {
              expect(result.killsBetweenStoredAndCommitted, context).toBeGreaterThanOrEqual(
                Math.min(4, crash.kills - 1),
              );
            }
            await verify(t.setup, 4, recordsPerSplit);
          });
        }
      });
    }
  });
}
