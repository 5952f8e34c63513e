import {
  hasErrorCode,
  MemoryFileInput,
  MemoryFileOutput,
  readAllRegions,
  readFileRegion,
  resumeFileRegion,
  type TributaryError,
} from '@tributary/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RawBytesSchema, RawStringSchema } from './raw-schemas.js';
import { RawTextFileFormat, RawTextWriterFormat } from './raw-text-file-format.js';

const lineArb = fc
  .oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('', '\r', 'a\rb', '"', '\uFEFF', '𝄞𝄞'))
  .filter((s) => !s.includes('\n') && !s.endsWith('\r'));

async function writeLines(lines: readonly string[]): Promise<Uint8Array> {
  const output = new MemoryFileOutput();
  const writer = new RawTextWriterFormat().createWriter(output);
  await writer.writeBatch(lines.slice(0, 3));
  await writer.flush();
  await writer.writeBatch(lines.slice(3));
  await writer.finish();
  return output.bytes();
}

describe('raw schemas', () => {
  it('bytes pass through and strings round-trip (property)', () => {
    const bytes = new RawBytesSchema();
    const strings = new RawStringSchema();
    fc.assert(
      fc.property(fc.uint8Array(), fc.string({ unit: 'grapheme' }), (b, s) => {
        expect(bytes.deserialize(bytes.serialize(b))).toEqual(b);
        expect(strings.deserialize(strings.serialize(s))).toBe(s);
      }),
    );
  });

  it('rejects invalid UTF-8 when told to, naming the origin', () => {
    const bad = new Uint8Array([0x61, 0xff, 0x62]);
    expect(new RawStringSchema().deserialize(bad)).toBe('a\uFFFDb');
    let error: TributaryError | undefined;
    try {
      new RawStringSchema({ invalidUtf8: 'fail' }).deserialize(bad, { topic: 't', partition: 0, offset: 9 });
    } catch (e) {
      error = e as TributaryError;
    }
    expect(hasErrorCode(error, 'TRIB_RECORD_INVALID')).toBe(true);
    expect(error?.message).toContain("topic 't', partition 0, offset 9");
  });
});

describe('RawTextFileFormat', () => {
  it('reads lines, stripping CR unless kept, skipping empty lines when asked', async () => {
    const input = new MemoryFileInput('a\r\n\nb\r\nc', { chunkSize: 3 });
    expect((await readFileRegion(new RawTextFileFormat(), input)).records).toEqual(['a', '', 'b', 'c']);
    expect(
      (await readFileRegion(new RawTextFileFormat({ keepCarriageReturn: true }), input)).records,
    ).toEqual(['a\r', '', 'b\r', 'c']);
    const skipped = await readFileRegion(new RawTextFileFormat({ skipEmptyLines: true }), input);
    expect(skipped.records).toEqual(['a', 'b', 'c']);
    expect(skipped.lineNumbers).toEqual([1, 3, 4]);
  });

  it('refuses records that would not read back as one line', async () => {
    const writer = new RawTextWriterFormat().createWriter(new MemoryFileOutput());
    await expect(writer.writeBatch(['ok', 'two\nlines'])).rejects.toThrow(/Record 1 of the batch/);
  });

  it('write → read, resume after any line, and regions cover each line once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineArb, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 32 }),
        fc.nat(),
        fc.array(fc.nat({ max: 600 }), { maxLength: 6 }),
        async (lines, chunkSize, pick, cuts) => {
          fc.pre(!(lines[0] as string).startsWith('\uFEFF'));
          const input = new MemoryFileInput(await writeLines(lines), { chunkSize });
          const format = new RawTextFileFormat();
          const all = await readFileRegion(format, input);
          expect(all.records).toEqual(lines);
          const k = pick % lines.length;
          const rest = await resumeFileRegion(format, input, all.positions[k]);
          expect(rest.records).toEqual(lines.slice(k + 1));
          const parts = await readAllRegions(format, input, cuts);
          expect(parts).toEqual(lines);
        },
      ),
      { numRuns: 80 },
    );
  });
});
