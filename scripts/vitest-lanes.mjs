#!/usr/bin/env node
/**
 * Runs the vitest suite the way `pnpm test` and CI do: the `unit` project first, then the `e2e`
 * files in two lanes at the same time — `brokers` (Kafka, Pulsar, Elasticsearch) and `others`
 * (see `TRIB_E2E_LANE` in vitest.config.ts) — as two vitest processes, each running its files
 * one at a time. With one e2e file at a time the e2e phase left one of CI's two cores idle.
 *
 * The lanes share one e2e run id; their own global setups skip the teardown
 * (`TRIBUTARY_E2E_TEARDOWN=runner`) and this script does it once after both ended, so no lane
 * stops a service the other still uses. Each process writes its own JSON report; they are merged
 * into `.reports/vitest.json` (what `scripts/test-summary.mjs` reads).
 *
 *   node scripts/vitest-lanes.mjs [--e2e-only] [vitest filters/options...]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const REPORT = '.reports/vitest.json';
const args = process.argv.slice(2);
const e2eOnly = args.includes('--e2e-only');
const passThrough = args.filter((arg) => arg !== '--e2e-only');
const runId =
  process.env.TRIBUTARY_E2E_RUN_ID || `run-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const children = new Set();

mkdirSync('.reports', { recursive: true });

/** Runs one vitest process; with a lane name its output lines carry `[lane]`. */
function vitest(vitestArgs, env, lane) {
  return new Promise((resolve) => {
    const child = spawn('node_modules/.bin/vitest', ['run', ...vitestArgs, ...passThrough], {
      env: { ...process.env, ...env },
      stdio: lane ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    children.add(child);
    if (lane) {
      for (const [stream, out] of [
        [child.stdout, process.stdout],
        [child.stderr, process.stderr],
      ]) {
        createInterface({ input: stream }).on('line', (line) => out.write(`[${lane}] ${line}\n`));
      }
    }
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
  });
}

const reports = [];
let failed = false;
const started = Date.now();

if (!e2eOnly) {
  const report = '.reports/vitest-unit.json';
  rmSync(report, { force: true });
  reports.push(report);
  failed = (await vitest(['--project', 'unit', '--passWithNoTests'], { TRIB_VITEST_REPORT: report })) !== 0;
}

const lanes = ['brokers', 'others'];
const codes = await Promise.all(
  lanes.map((lane) => {
    const report = `.reports/vitest-e2e-${lane}.json`;
    rmSync(report, { force: true });
    reports.push(report);
    return vitest(
      ['--project', 'e2e', '--passWithNoTests'],
      {
        TRIB_E2E_LANE: lane,
        TRIB_VITEST_REPORT: report,
        TRIBUTARY_E2E_RUN_ID: runId,
        TRIBUTARY_E2E_TEARDOWN: 'runner',
      },
      lane,
    );
  }),
);
if (codes.some((code) => code !== 0)) failed = true;

// One cleanup for the run (private instances left open, CI's services), after every lane.
const teardown = await new Promise((resolve) => {
  const child = spawn(
    'node_modules/.bin/tsx',
    ['--conditions=@tributary/source', 'e2e/src/run-teardown.ts', runId],
    { stdio: 'inherit', env: { ...process.env, TRIBUTARY_E2E_RUN_ID: runId } },
  );
  child.on('exit', (code) => resolve(code ?? 1));
});
if (teardown !== 0) console.error(`[lanes] teardown of run ${runId} failed (exit ${teardown})`);

writeFileSync(REPORT, JSON.stringify(mergeReports(reports)));
console.log(
  `[lanes] unit ${e2eOnly ? 'skipped' : 'done'}, e2e lanes exited ${lanes.map((l, i) => `${l}=${codes[i]}`).join(' ')} in ${Math.round((Date.now() - started) / 1000)} s; merged report ${REPORT}`,
);
process.exit(failed ? 1 : 0);

/** Sums the counts of vitest JSON reports and concatenates their test results. */
function mergeReports(paths) {
  const merged = {
    numTotalTests: 0,
    numPassedTests: 0,
    numFailedTests: 0,
    numPendingTests: 0,
    numTodoTests: 0,
    numTotalTestSuites: 0,
    numPassedTestSuites: 0,
    numFailedTestSuites: 0,
    numPendingTestSuites: 0,
    success: true,
    startTime: started,
    testResults: [],
  };
  for (const path of paths) {
    if (!existsSync(path)) {
      // A lane that died before writing its report already failed the run (its exit code).
      merged.success = false;
      continue;
    }
    const report = JSON.parse(readFileSync(path, 'utf8'));
    for (const key of Object.keys(merged)) {
      if (typeof merged[key] === 'number' && key !== 'startTime') merged[key] += report[key] ?? 0;
    }
    merged.success &&= report.success !== false;
    merged.testResults.push(...(report.testResults ?? []));
  }
  return merged;
}
