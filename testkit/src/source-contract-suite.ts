import { MetricRegistry, readCommitted, silentLogger } from '@tributary/core';
import { afterEach, describe, expect, it } from 'vitest';
import { runWithCrashes } from './child-job.js';
import type { ChildRunSpec } from './contract-child-runner.js';
import type { ContractBoundedness, SourceContractContext, SourceTestSetup } from './contract-context.js';
import {
  contractJobOptions,
  loadContext,
  SOURCE_UNDER_TEST,
  type SourceJobSpec,
  type StampedRecord,
  sourceContractJob,
} from './contract-jobs.js';
import { checkContractMetrics } from './contract-metrics.js';
import { contractModes } from './contract-modes.js';
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
import { verifySourceOutput } from './contract-verification.js';
import type { PreparedSourceTest, SourceSuiteRun } from './source-suite-run.js';
import { describeUnboundedCases } from './unbounded-source-cases.js';

/** Options of {@link describeSourceContract}. */
export interface SourceContractOptions extends ContractSuiteOptions {
  /**
   * Records per split in the bounded tests, and per split and round in the unbounded
   * read-and-resume test (its idle-reader test writes a third of it). Default 300.
   */
  readonly recordsPerSplit?: number;
  /**
   * SIGKILLs of the unbounded crash test (the crash settings' delays and deadline apply).
   * Default 2: the unbounded run also writes data throughout, so each kill costs more.
   */
  readonly unboundedCrashKills?: number;
  /**
   * Rate (records/s, whole job) the mid-stream tests hold the job to through backpressure, so
   * savepoints and kills land before the end. Default 1000 (crash test: half of it).
   */
  readonly recordsPerSecond?: number;
}

/**
 * Registers the source contract tests (vitest `describe`/`it`) for a connector, once per claimed
 * guarantee: single split in order; many splits, each in order; more readers than splits; stop
 * with savepoint and resume; savepoint and rescale up, then down; a child process killed with
 * SIGKILL and restarted from its checkpoints. `exactly-once`: every record once, in per-split
 * order; `at-least-once`: every record. The bounded runs also pass the FLIP-33 metrics check
 * (`numRecordsIn` equals the record count).
 *
 * A context declaring `boundedness: ['unbounded']` (or both) also gets, per guarantee, the
 * unbounded cases: data written before the start and while the job runs is read, the job keeps
 * running with nothing left to read, stops with a savepoint and, resumed, reads exactly the data
 * written meanwhile (metrics checked on the first run); more readers than splits keep running;
 * SIGKILLs of a child process while data keeps being written.
 *
 * @example
 * ```ts
 * describeSourceContract({
 *   name: 'jsonl-partitions',
 *   guarantees: ['exactly-once'],
 *   contextModule: new URL('./jsonl-contract-context.ts', import.meta.url),
 * });
 * ```
 */
export function describeSourceContract(options: SourceContractOptions): void {
  const exportName = options.exportName ?? 'default';
  const perSplit = options.recordsPerSplit ?? 300;
  const rate = options.recordsPerSecond ?? 1000;
  let context: SourceContractContext<unknown>;
  const dirs = new TestDirs();
  const setups: SourceTestSetup[] = [];

  // Loaded while collecting (vitest awaits an async describe): the context's `boundedness`
  // decides which cases exist.
  describe(`source contract: ${options.name}`, async () => {
    context = await loadContext(options.contextModule, exportName, ['writeTestData', 'createSource']);
    const modes = contractModes(context, contextModulePath(options.contextModule), exportName);
    afterEach(async () => {
      for (const setup of setups.splice(0)) await context.cleanup?.(setup);
      await dirs.removeAll();
    });

    const prepare = async (
      label: string,
      splits: number,
      recordsPerSplit: number,
      boundedness: ContractBoundedness = 'bounded',
    ): Promise<PreparedSourceTest> => {
      const setup: SourceTestSetup = {
        testId: testIdFor(`${options.name}-${label}`),
        workDir: await dirs.create(`${label}-work`),
        splits,
        recordsPerSplit,
        boundedness,
      };
      setups.push(setup);
      const expected = await context.writeTestData(setup);
      expect(expected.map((s) => s.length)).toEqual(new Array(splits).fill(recordsPerSplit));
      const storeDir = await dirs.create(`${label}-store`);
      const checkpoints = await dirs.create(`${label}-chk`);
      return { setup, expected, storeDir, checkpoints };
    };
    const delivered = async (storeDir: string) =>
      (await readCommitted<StampedRecord<unknown>>(storeDir)).records;
    const keyOf = keyOfContext(() => context);
    const suite: SourceSuiteRun = {
      exportName,
      contextModule: options.contextModule,
      context: () => context,
      prepare,
      delivered,
      keyOf,
      tempDir: (label) => dirs.create(label),
      recordsPerSplit: perSplit,
      recordsPerSecond: rate,
      crash: options.crash === false ? false : crashSettings(options.crash ?? {}),
      unboundedCrashKills: options.unboundedCrashKills ?? 2,
    };

    for (const guarantee of options.guarantees) {
      describe(guarantee, () => {
        if (modes.includes('unbounded'))
          describe('unbounded', () => describeUnboundedCases(suite, guarantee));
        if (!modes.includes('bounded')) return;
        const bounded = async (label: string, splits: number, parallelism: number) => {
          const t = await prepare(label, splits, perSplit);
          const registry = new MetricRegistry();
          const job = sourceContractJob(context, { setup: t.setup, guarantee, storeDir: t.storeDir });
          const result = await job.execute(contractJobOptions(guarantee, parallelism, t.checkpoints), {
            metricRegistry: registry,
            logger: silentLogger,
          });
          expect(result.status).toBe('finished');
          expect(
            verifySourceOutput(t.expected, await delivered(t.storeDir), guarantee, keyOf, context.ordering),
          ).toEqual([]);
          checkContractMetrics(registry, {
            role: 'source',
            expectedRecords: splits * perSplit,
            labels: { operator: SOURCE_UNDER_TEST },
            options: context.metrics,
          });
        };

        it('reads a single split in order; metrics conform', () => bounded('single', 1, 1));
        it('reads many splits, each in order, at parallelism 2; metrics conform', () =>
          bounded('many', 5, 2));
        it('finishes with more readers than splits (idle readers)', () => bounded('idle', 2, 4));

        const startThrottled = (
          spec: SourceJobSpec,
          parallelism: number,
          dir: string,
          restoreFrom?: string,
        ) =>
          sourceContractJob(context, spec).start(
            contractJobOptions(guarantee, parallelism, dir, restoreFrom === undefined ? {} : { restoreFrom }),
            { logger: silentLogger },
          );
        const progressBeyond = async (storeDir: string, count: number) =>
          pollUntil(async () => (await delivered(storeDir)).length > count, `more than ${count} records`);

        it('stops with a savepoint mid-stream and resumes from it', async () => {
          const t = await prepare('savepoint', 4, perSplit);
          const spec = { setup: t.setup, guarantee, storeDir: t.storeDir, recordsPerSecond: rate };
          const first = startThrottled(spec, 2, `${t.checkpoints}/a`);
          await progressBeyond(t.storeDir, 0);
          const savepoint = await first.stopWithSavepoint({ directory: `${t.checkpoints}/savepoints` });
          expect((await delivered(t.storeDir)).length).toBeLessThan(4 * perSplit);
          const result = await startThrottled(spec, 2, `${t.checkpoints}/b`, savepoint).result;
          expect(result.status).toBe('finished');
          expect(
            verifySourceOutput(t.expected, await delivered(t.storeDir), guarantee, keyOf, context.ordering),
          ).toEqual([]);
        });

        it('rescales from a savepoint: parallelism 2 → 4 → 1', async () => {
          const t = await prepare('rescale', 6, perSplit);
          const spec = { setup: t.setup, guarantee, storeDir: t.storeDir, recordsPerSecond: rate };
          const at2 = startThrottled(spec, 2, `${t.checkpoints}/p2`);
          await progressBeyond(t.storeDir, 0);
          const sp1 = await at2.stopWithSavepoint({ directory: `${t.checkpoints}/savepoints` });
          const afterFirst = (await delivered(t.storeDir)).length;
          const at4 = startThrottled(spec, 4, `${t.checkpoints}/p4`, sp1);
          await progressBeyond(t.storeDir, afterFirst);
          const sp2 = await at4.stopWithSavepoint({ directory: `${t.checkpoints}/savepoints` });
          expect((await delivered(t.storeDir)).length).toBeLessThan(6 * perSplit);
          const result = await startThrottled(spec, 1, `${t.checkpoints}/p1`, sp2).result;
          expect(result.status).toBe('finished');
          expect(
            verifySourceOutput(t.expected, await delivered(t.storeDir), guarantee, keyOf, context.ordering),
          ).toEqual([]);
        });

        if (suite.crash !== false) {
          const crash = suite.crash;
          it(`survives ${crash.kills} SIGKILLs of the job process mid-stream`, async () => {
            // Sized so the job needs more time than the kills leave it: every kill lands mid-stream.
            const crashRate = rate / 2;
            const recordsPerSplit = Math.ceil(
              (crashRate * (crash.kills + 3) * (crash.maxKillDelayMs / 1000)) / 4,
            );
            const t = await prepare('crash', 4, recordsPerSplit);
            const spec: ChildRunSpec = {
              kind: 'source',
              contextModule: contextModulePath(options.contextModule),
              exportName,
              guarantee,
              parallelism: 2,
              checkpointDir: t.checkpoints,
              job: { setup: t.setup, guarantee, storeDir: t.storeDir, recordsPerSecond: crashRate },
            };
            const result = await runWithCrashes({
              script: CHILD_RUNNER,
              args: [JSON.stringify(spec)],
              ...crash,
              killDelayFrom: 'restored',
            });
            expect(result.kills, result.summary).toBe(crash.kills);
            expect(result.finishedEarly, result.summary).toBe(false);
            expectRestores(result);
            expect(
              verifySourceOutput(t.expected, await delivered(t.storeDir), guarantee, keyOf, context.ordering),
            ).toEqual([]);
          });
        }
      });
    }
  });
}

/** `keyOf` of the (lazily loaded) context, defaulting to `JSON.stringify`. */
function keyOfContext(get: () => SourceContractContext<unknown>): (record: unknown) => string {
  return (record) => {
    const context = get();
    return context.keyOf ? context.keyOf(record) : JSON.stringify(record);
  };
}
