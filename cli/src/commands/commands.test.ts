import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testPlugins } from '../../test/test-plugins.js';
import type { CliIo } from './cli-io.js';
import { connectorsCommand } from './connectors-command.js';
import { runCommand } from './run-command.js';
import { validateCommand } from './validate-command.js';

const work = mkdtempSync(join(tmpdir(), 'tributary-commands-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    env: {},
    cwd: work,
  };
}

describe('tributary validate', () => {
  // Absolute: connectors resolve relative paths against the process's working directory.
  const pipeline = `source:
  connector: files
  format: csv
  options: { paths: ${join(work, 'input')} }
sink:
  connector: files
  format: json
  options: { path: output }
`;

  it('checks options, then connectivity: a missing input directory fails with exit 1', async () => {
    writeFileSync(join(work, 'p.yaml'), pipeline);
    const missing = io();
    expect(await validateCommand({ file: 'p.yaml', connect: true }, missing, testPlugins)).toBe(1);
    expect(missing.out.join('')).toContain('p.yaml: options valid (source files, sink files)');
    expect(missing.err.join('')).toMatch(
      /^tributary: source files: ENOENT: no such file or directory, access '.*input'\n$/,
    );

    mkdirSync(join(work, 'input'));
    const ok = io();
    expect(await validateCommand({ file: 'p.yaml', connect: true }, ok, testPlugins)).toBe(0);
    expect(ok.out.join('')).toContain('source files: reachable\nsink files: no connectivity check\n');
  });

  it('--no-connect checks only the options', async () => {
    writeFileSync(join(work, 'p2.yaml'), pipeline.replace('input', 'nowhere'));
    expect(await validateCommand({ file: 'p2.yaml', connect: false }, io(), testPlugins)).toBe(0);
  });
});

describe('tributary connectors', () => {
  it('lists connectors with their guarantees and formats, and options on request', async () => {
    const target = io();
    expect(await connectorsCommand({ options: true, json: false }, target, testPlugins)).toBe(0);
    const text = target.out.join('');
    expect(text).toMatch(
      /^files\s+@tributary\/connector-files@0\.0\.0\s+exactly-once \(file positions in checkpoints\)/m,
    );
    expect(text).toMatch(
      /^kafka\s+@tributary\/connector-kafka@0\.0\.0\s+exactly-once \(offsets in checkpoints\)/m,
    );
    expect(text).toMatch(/^parquet\s+@tributary\/format-parquet@0\.0\.0/m);
    expect(text).toContain('files sink.options');
    expect(text).toMatch(
      /^deliveryGuarantee\s+"exactly-once" \| "at-least-once" \| "none"\s+"exactly-once"/m,
    );
  });

  it('--json prints every plugin with its options', async () => {
    const target = io();
    await connectorsCommand({ options: false, json: true }, target, testPlugins);
    const list = JSON.parse(target.out.join('')) as { name: string; kind: string }[];
    expect(list.map((p) => `${p.kind}:${p.name}`)).toEqual([
      'connector:elasticsearch',
      'connector:files',
      'connector:jdbc',
      'connector:kafka',
      'connector:kinesis',
      'connector:mysql-cdc',
      'connector:pulsar',
      'format:csv',
      'format:json',
      'format:parquet',
    ]);
  });
});

describe('tributary run', () => {
  it('serves the dashboard for job.dashboard of the file, as --ui does, and runs to the end', async () => {
    mkdirSync(join(work, 'run-in'));
    writeFileSync(join(work, 'run-in', 'a.csv'), 'id,name\n1,a\n2,b\n');
    writeFileSync(
      join(work, 'run.yaml'),
      `job: { dashboard: { port: 0 } }
source:
  connector: files
  format: { type: csv, header: true }
  options: { paths: ${join(work, 'run-in')} }
sink:
  connector: files
  format: json
  options: { path: ${join(work, 'run-out')} }
`,
    );
    const target = io();
    const noSignals = { on: () => undefined, off: () => undefined };
    const code = await runCommand(
      { file: 'run.yaml', ui: false, logFormat: 'text', quiet: true },
      target,
      noSignals,
      testPlugins,
    );
    expect(code).toBe(0);
    expect(target.out.join('')).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/ /m);
  });
});
