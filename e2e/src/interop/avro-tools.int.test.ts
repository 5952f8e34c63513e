import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJsonLogger, MemoryFileInput, MemoryFileOutput, readFileRegion } from '@tributary/core';
import { AvroFileFormat, AvroWriterFormat } from '@tributary/format-avro';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avroRecordOf, fromAvroJson, INTEROP_AVRO_SCHEMA, toAvroJson } from './avro-json.js';
import { avroToolsJar, runAvroTools } from './avro-tools.js';
import { differences } from './canonical.js';
import { hardRows } from './hard-values.js';

/**
 * Avro container files against Apache Avro's own avro-tools (Java): files Tributary writes, dumped
 * by `tojson`; files `fromjson` writes, read by Tributary — every codec Tributary lists.
 * avro-tools comes from Maven Central on first use; without Java or Maven this fails, naming why.
 */
const CODECS = ['null', 'deflate', 'snappy'] as const;
const records = hardRows(500).map(avroRecordOf);
/**
 * Avro's JSON decoder (fromjson) has no spelling for NaN and ±Infinity, so the file avro-tools
 * writes carries null there; the other direction (tojson of Tributary's file) covers them.
 */
const finiteRecords = records.map((r) => ({ ...r, d: r.d === null || Number.isFinite(r.d) ? r.d : null }));
let jar: string;
let dir: string;
/** avro-tools runs, started together up front: a JVM start is most of each run's time. */
const tojson = new Map<string, Promise<Buffer>>();
const fromjson = new Map<string, Promise<Buffer>>();

async function writeWithTributary(codec: (typeof CODECS)[number]): Promise<Uint8Array> {
  const output = new MemoryFileOutput();
  const writer = new AvroWriterFormat({
    schema: INTEROP_AVRO_SCHEMA,
    codec,
    longs: 'bigint',
    syncIntervalBytes: 16 * 1024,
  }).createWriter(output);
  for (let from = 0; from < records.length; from += 300)
    await writer.writeBatch(records.slice(from, from + 300));
  await writer.finish();
  return output.bytes();
}

/** The `avro.codec` entry of a container header, found by its bytes (not with our reader). */
function headerCodec(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes);
  const at = buf.indexOf('avro.codec') + 'avro.codec'.length;
  const length = (buf[at] as number) >> 1; // zig-zag varint of a short length
  return buf.subarray(at + 1, at + 1 + length).toString();
}

const written = new Map<string, Uint8Array>();

beforeAll(async () => {
  jar = await avroToolsJar(createJsonLogger({ level: 'warn' }));
  dir = mkdtempSync(join(tmpdir(), 'tributary-avro-interop-'));
  const schemaFile = join(dir, 'schema.avsc');
  writeFileSync(schemaFile, JSON.stringify(INTEROP_AVRO_SCHEMA));
  writeFileSync(join(dir, 'records.json'), `${finiteRecords.map(toAvroJson).join('\n')}\n`);
  for (const codec of CODECS) {
    const bytes = await writeWithTributary(codec);
    written.set(codec, bytes);
    const path = join(dir, `tributary-${codec}.avro`);
    writeFileSync(path, bytes);
    tojson.set(codec, runAvroTools(jar, ['tojson', path]));
    fromjson.set(
      codec,
      runAvroTools(jar, [
        'fromjson',
        '--codec',
        codec,
        '--schema-file',
        schemaFile,
        join(dir, 'records.json'),
      ]),
    );
  }
  // Failures surface in the test that awaits the run.
  for (const run of [...tojson.values(), ...fromjson.values()]) run.catch(() => {});
}, 300_000);
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe.each(CODECS)('Avro codec %s', (codec) => {
  it('Tributary writes, avro-tools reads every value back', async () => {
    expect(headerCodec(written.get(codec) as Uint8Array)).toBe(codec);
    const lines = (await (tojson.get(codec) as Promise<Buffer>)).toString().trimEnd().split('\n');
    expect(differences(lines.map(fromAvroJson) as never, records as never)).toEqual([]);
  });

  it('avro-tools writes, Tributary reads every value back', async () => {
    const bytes = await (fromjson.get(codec) as Promise<Buffer>);
    expect(headerCodec(bytes)).toBe(codec);
    const { records: read } = await readFileRegion(
      new AvroFileFormat({ longs: 'bigint', decimals: 'string' }),
      new MemoryFileInput(bytes, { path: `avro-tools-${codec}.avro` }),
    );
    expect(differences(read as never, finiteRecords as never)).toEqual([]);
  });
});
