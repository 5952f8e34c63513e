import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedCli, killStartedClis, startCli } from './installed-cli.js';

const run = promisify(execFile);

/** The CLI as a user runs it: installed from the packed tarballs with npm, in a temp directory. */
let bin: string;
let work: string;

beforeAll(async () => {
  ({ bin } = await installedCli());
  work = mkdtempSync(join(tmpdir(), 'tributary-cli-'));
}, 600_000);

afterAll(() => {
  killStartedClis();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs the binary to its end; never throws on a non-zero exit. */
async function tributary(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(bin, [...args], { cwd, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function csv(path: string, from: number, to: number): void {
  const rows = ['id,name,amount'];
  for (let i = from; i <= to; i++) rows.push(`${i},name-${i},${(i % 97) + 0.5}`);
  writeFileSync(path, `${rows.join('\n')}\n`);
}

function dirIn(name: string): string {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'in'), { recursive: true });
  return dir;
}

/** Every `.jsonl` line of committed (visible) part files under `dir`, read with plain fs + JSON. */
function committedJsonLines(dir: string): { id: number }[] {
  const rows: { id: number }[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.jsonl') || entry.name.startsWith('.')) continue;
    const path = join(entry.parentPath, entry.name);
    if (path.includes('/.')) continue;
    for (const line of readFileSync(path, 'utf8').split('\n'))
      if (line) rows.push(JSON.parse(line) as { id: number });
  }
  return rows;
}

describe('tributary (installed from the packed tarballs)', () => {
  it('runs a files → files pipeline (CSV → Parquet with map and filter) to completion', async () => {
    const dir = dirIn('csv-to-parquet');
    csv(join(dir, 'in', 'a.csv'), 1, 1500);
    csv(join(dir, 'in', 'b.csv'), 1501, 3000);
    writeFileSync(
      join(dir, 'pipeline.yaml'),
      `name: csv-to-parquet
job: { parallelism: 2, checkpointing: { intervalMs: 500 } }
source:
  connector: files
  format: { type: csv, header: true, columns: [{ name: id, type: integer }, name, { name: amount, type: number }] }
  options: { paths: in }
processors:
  - filter: record.id % 3 !== 0
  - map: "({ ...record, doubled: record.amount * 2 })"
sink:
  connector: files
  format:
    type: parquet
    compression: snappy
    columns:
      - { name: id, type: int64, nullable: false }
      - { name: name, type: string }
      - { name: amount, type: double }
      - { name: doubled, type: double }
  options: { path: out }
`,
    );
    const result = await tributary(['run', 'pipeline.yaml'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('job finished');
    const rows: { id: bigint; amount: number; doubled: number }[] = [];
    for (const name of readdirSync(join(dir, 'out'))) {
      if (!name.endsWith('.parquet')) continue;
      const bytes = readFileSync(join(dir, 'out', name));
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      rows.push(...((await parquetReadObjects({ file })) as typeof rows));
    }
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    const expected = Array.from({ length: 3000 }, (_, i) => i + 1).filter((i) => i % 3 !== 0);
    expect(ids).toEqual(expected);
    expect(rows.every((r) => r.doubled === r.amount * 2)).toBe(true);
  });

  describe('a bad pipeline file gives one clear error and exit code 2', () => {
    const good = (sink: string) => `source:
  connector: files
  format: csv
  options: { paths: in }
sink:
${sink}`;

    it('bad YAML', async () => {
      const dir = dirIn('bad-yaml');
      writeFileSync(join(dir, 'p.yaml'), 'source:\n  connector: files\n  options: { paths: in\nsink: {}\n');
      const { code, stderr } = await tributary(['run', 'p.yaml'], dir);
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^tributary: p\.yaml:\d+:\d+: invalid YAML: /);
    });

    it('an unknown connector, naming the installed ones', async () => {
      const dir = dirIn('unknown-connector');
      writeFileSync(
        join(dir, 'p.yaml'),
        good('  connector: kafak\n  format: json\n  options: { topic: x }\n'),
      );
      const { code, stderr } = await tributary(['run', 'p.yaml'], dir);
      expect(code).toBe(2);
      expect(stderr.trim()).toBe(
        "tributary: p.yaml:6:14: sink.connector: unknown sink connector 'kafak'; installed: files (install its package next to the CLI, e.g. npm install @tributary/connector-kafak)",
      );
    });

    it('an option of the wrong type, and a wrong enum value with the allowed values', async () => {
      const dir = dirIn('wrong-type');
      writeFileSync(
        join(dir, 'p.yaml'),
        good('  connector: files\n  format: json\n  options:\n    path: out\n    maxPartSizeBytes: large\n'),
      );
      const typed = await tributary(['run', 'p.yaml'], dir);
      expect(typed.code).toBe(2);
      expect(typed.stderr.trim()).toBe(
        'tributary: p.yaml:10:23: sink.options.maxPartSizeBytes: Invalid input: expected number, received string',
      );
      writeFileSync(
        join(dir, 'p.yaml'),
        good('  connector: files\n  format: json\n  options:\n    path: out\n    deliveryGuarantee: twice\n'),
      );
      const enumValue = await tributary(['run', 'p.yaml'], dir);
      expect(enumValue.code).toBe(2);
      expect(enumValue.stderr.trim()).toBe(
        'tributary: p.yaml:10:24: sink.options.deliveryGuarantee: Invalid option: expected one of "exactly-once"|"at-least-once"|"none"',
      );
    });

    it('a missing environment variable, never printing the values of the others', async () => {
      const dir = dirIn('missing-env');
      writeFileSync(
        join(dir, 'p.yaml'),
        good(
          '  connector: files\n  format: json\n  options:\n    path: ${OUT_DIR}\n    partPrefix: ${PART_PREFIX}\n',
        ),
      );
      const { code, stderr, stdout } = await tributary(['run', 'p.yaml'], dir, {
        PART_PREFIX: 'secretvalue42',
      });
      expect(code).toBe(2);
      expect(stderr.trim()).toBe(
        'tributary: p.yaml:9:11: sink.options.path: environment variable OUT_DIR is not set (use ${OUT_DIR:-default} for a default)',
      );
      expect(stderr + stdout).not.toContain('secretvalue42');
    });
  });

  it('Ctrl-C takes a savepoint; --from-savepoint resumes with every record exactly once', async () => {
    const dir = dirIn('savepoint');
    csv(join(dir, 'in', 'a.csv'), 1, 4000);
    writeFileSync(
      join(dir, 'pipeline.yaml'),
      `job: { parallelism: 2, checkpointing: { intervalMs: 200, directory: chk } }
source:
  connector: files
  format: { type: csv, header: true, columns: [{ name: id, type: integer }, name, { name: amount, type: number }] }
  options: { paths: in, monitorIntervalMs: 100 }
sink:
  connector: files
  format: json
  options: { path: out }
`,
    );
    const first = startCli(bin, ['run', 'pipeline.yaml', '--log-format', 'json'], dir);
    // Mid-run: the first file is read and checkpointed, the source keeps monitoring for more.
    await first.waitForLine(
      (l) => l.msg === 'progress' && l.recordsIn === 4000 && l.lastCheckpointId !== null,
    );
    csv(join(dir, 'in', 'b.csv'), 4001, 6000);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    const stopped = await first.waitForLine((l) => typeof l.savepoint === 'string');
    const savepoint = stopped.savepoint as string;
    expect(existsSync(savepoint)).toBe(true);
    expect(first.stdout()).toContain('stopping with a savepoint');
    const before = committedJsonLines(join(dir, 'out')).length;
    expect(before).toBeGreaterThanOrEqual(4000);

    csv(join(dir, 'in', 'c.csv'), 6001, 7000);
    // Its own registry of running jobs, so that `savepoint` / `stop` below find this job only.
    const env = { TRIBUTARY_STATE_DIR: join(dir, 'state') };
    const second = startCli(
      bin,
      ['run', 'pipeline.yaml', '--from-savepoint', savepoint, '--log-format', 'json'],
      dir,
      env,
    );
    await second.waitForLine((l) => typeof l.restoredFrom === 'string');
    // Resumed: the rest arrives, committed output holds every id once.
    const deadline = Date.now() + 60_000;
    while (committedJsonLines(join(dir, 'out')).length < 7000 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    // From another terminal: a savepoint, then stop with one, through the control endpoint.
    const manual = await tributary(['savepoint', 'manual-savepoints'], dir, env);
    expect(manual.code, manual.stderr).toBe(0);
    expect(existsSync(join(manual.stdout.trim(), '_metadata'))).toBe(true);
    const stop = await tributary(['stop', '--savepoint', 'final-savepoints'], dir, env);
    expect(stop.code, stop.stderr).toBe(0);
    expect(await second.exited).toBe(0);
    expect(existsSync(join(stop.stdout.trim(), '_metadata'))).toBe(true);
    const ids = committedJsonLines(join(dir, 'out')).map((r) => r.id);
    expect(ids).toHaveLength(7000);
    expect(new Set(ids).size).toBe(7000);
    expect(Math.min(...ids)).toBe(1);
    expect(Math.max(...ids)).toBe(7000);
  });
});
