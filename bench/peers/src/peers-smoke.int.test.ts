import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PEERS_DIR } from './systems.js';

/**
 * `pnpm bench:peers -- --smoke` end to end, so the peer harness cannot rot: Flink resolves and
 * compiles, every system's job runs on the real broker, Kafka's perf tools answer, a latency run
 * completes, and the report has a measured row for every system.
 */
describe('peer benchmarks, smoke mode', () => {
  it('runs every system on the local broker and writes the report', async () => {
    const out = await mkdtemp(join(tmpdir(), 'peers-smoke-'));
    try {
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          [
            '--import',
            'tsx',
            '--conditions=@tributary/source',
            join(PEERS_DIR, 'src', 'main.ts'),
            '--smoke',
            '--out',
            out,
          ],
          { cwd: join(PEERS_DIR, '..', '..'), timeout: 540_000, maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) =>
            error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
        );
      });
      const json = /BENCH_JSON (.*)/.exec(stdout)?.[1];
      expect(json).toBeDefined();
      const report = JSON.parse(json as string) as {
        cells: {
          scenario: string;
          systems: Record<string, { recordsPerSecond: number; cpuMs: number; peakRssKb: number }>;
        }[];
        perfTools: Record<string, { producer: number; consumer: number }>;
        latency: { system: string; p50Ms: number; p99Ms: number }[];
      };
      expect(report.cells.map((c) => c.scenario)).toEqual([
        'passthrough',
        'exactly-once',
        'json-avro',
        'csv-parquet',
      ]);
      for (const cell of report.cells) {
        expect(Object.keys(cell.systems)).toEqual(
          expect.arrayContaining(
            cell.scenario === 'passthrough' ? ['tributary', 'flink', 'raw-kafkajs'] : ['tributary', 'flink'],
          ),
        );
        for (const m of Object.values(cell.systems)) {
          expect(m.recordsPerSecond).toBeGreaterThan(0);
          expect(m.cpuMs).toBeGreaterThan(0);
          expect(m.peakRssKb).toBeGreaterThan(0);
        }
      }
      expect(report.perfTools['100 B']?.producer).toBeGreaterThan(0);
      expect(report.perfTools['100 B']?.consumer).toBeGreaterThan(0);
      expect(report.latency.map((l) => l.system).sort()).toEqual(['flink', 'tributary']);
      const page = await readFile(join(out, 'benchmarks-smoke.md'), 'utf8');
      expect(page).toContain('| 100 B | 1 | flink |');
      expect(page).toContain('| 100 B | 1 | tributary |');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 600_000);
});
