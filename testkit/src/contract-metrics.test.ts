import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnySource,
  Counter,
  hasErrorCode,
  MetricRegistry,
  type Sink,
  type SourceReaderContext,
  silentLogger,
  type WriterInitContext,
} from '@tributary/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  sinkContext,
  sourceContext,
} from '../../create-tributary-connector/template/test/contract-context.js';
import type { SinkContractRecord, SinkTestSetup, SourceTestSetup } from './contract-context.js';
import {
  contractJobOptions,
  SINK_UNDER_TEST,
  SOURCE_UNDER_TEST,
  sinkContractJob,
  sourceContractJob,
} from './contract-jobs.js';
import { checkContractMetrics } from './contract-metrics.js';
import { dataGeneratorContext } from './fixtures/builtin-contract-contexts.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trib-contract-metrics-'));
  dirs.push(dir);
  return dir;
};

/** A real source whose readers count their bytes into a counter nobody registered. */
function hidingNumBytesIn<T>(source: AnySource<T>): AnySource<T> {
  return Object.assign(Object.create(source) as AnySource<T>, {
    createReader: (ctx: SourceReaderContext) =>
      source.createReader({
        ...ctx,
        metricGroup: Object.create(ctx.metricGroup, { numBytesIn: { value: new Counter() } }),
      }),
  });
}

/** A real sink whose writers count their bytes into a counter nobody registered. */
function hidingNumBytesSend<T>(sink: Sink<T>): Sink<T> {
  return Object.assign(Object.create(sink) as Sink<T>, {
    createWriter: (ctx: WriterInitContext) =>
      sink.createWriter({
        ...ctx,
        metricGroup: Object.create(ctx.metricGroup, { numBytesSend: { value: new Counter() } }),
      }),
  });
}

async function runSource(
  context: typeof sourceContext | typeof dataGeneratorContext,
  wrap: (s: AnySource<unknown>) => AnySource<unknown> = (s) => s,
) {
  const workDir = await tempDir();
  const setup: SourceTestSetup = { testId: 'metrics', workDir, splits: 3, recordsPerSplit: 40 };
  await context.writeTestData(setup);
  const registry = new MetricRegistry();
  const wrapped = { ...context, createSource: (s: SourceTestSetup) => wrap(context.createSource(s)) };
  await sourceContractJob(wrapped as typeof sourceContext, {
    setup,
    guarantee: 'exactly-once',
    storeDir: join(workDir, 'store'),
  }).execute(contractJobOptions('exactly-once', 2, join(workDir, 'chk')), {
    metricRegistry: registry,
    logger: silentLogger,
  });
  return registry;
}

const sourceCheck =
  (registry: MetricRegistry, inMemory = false) =>
  () =>
    checkContractMetrics(registry, {
      role: 'source',
      expectedRecords: 120,
      labels: { operator: SOURCE_UNDER_TEST },
      options: { inMemory },
    });

function expectConformanceFailure(run: () => void, metric: string): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(hasErrorCode(thrown, 'TRIB_METRICS_CONFORMANCE')).toBe(true);
  expect((thrown as Error).message).toContain(`${metric}: stays 0`);
}

describe('checkContractMetrics (the suites’ metrics step)', () => {
  it('passes for a source that counts its records and bytes', async () => {
    expect(sourceCheck(await runSource(sourceContext))).not.toThrow();
  });

  it('fails when the source omits numBytesIn (its reader counts into an unregistered counter)', async () => {
    const registry = await runSource(sourceContext, hidingNumBytesIn);
    // numRecordsIn is still right: only the omitted metric is reported.
    expect(sourceCheck(registry)).toThrow(/1 problem\)/);
    expectConformanceFailure(sourceCheck(registry), 'numBytesIn');
  });

  it('excuses the zero byte count of in-memory sources only when they say so', async () => {
    const registry = await runSource(dataGeneratorContext);
    expect(sourceCheck(registry, true)).not.toThrow();
    expectConformanceFailure(sourceCheck(registry, false), 'numBytesIn');
  });

  it('fails when the sink omits numBytesSend, and passes when it counts it', async () => {
    const run = async (wrap: (s: Sink<SinkContractRecord>) => Sink<SinkContractRecord>) => {
      const workDir = await tempDir();
      const setup: SinkTestSetup = { testId: 'metrics', workDir, guarantee: 'exactly-once' };
      const registry = new MetricRegistry();
      await sinkContractJob(
        { ...sinkContext, createSink: (s) => wrap(sinkContext.createSink(s)) },
        { setup, splits: 2, recordsPerSplit: 50 },
      ).execute(contractJobOptions('exactly-once', 2, join(workDir, 'chk')), {
        metricRegistry: registry,
        logger: silentLogger,
      });
      return () =>
        checkContractMetrics(registry, {
          role: 'sink',
          expectedRecords: 100,
          labels: { operator: SINK_UNDER_TEST },
        });
    };
    expect(await run((s) => s)).not.toThrow();
    expectConformanceFailure(await run(hidingNumBytesSend), 'numBytesSend');
  });
});
