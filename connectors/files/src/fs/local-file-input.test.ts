import { mkdtemp, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { hasErrorCode } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { FilesErrorCodes } from '../files-error-codes.js';
import { zstdRawFrame } from '../testing-fixtures/zstd-frame.js';
import { compressionOf } from './compression.js';
import { LocalFileInput } from './local-file-input.js';

const text = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`).join('');

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function fileWith(name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'trib-files-input-')), name);
  await writeFile(path, bytes);
  return path;
}

describe('LocalFileInput', () => {
  it('streams an uncompressed file from any offset and reads ranges', async () => {
    const input = await LocalFileInput.open(await fileWith('a.txt', text), { chunkBytes: 1024 });
    expect(input.compressed).toBe(false);
    expect(input.size).toBe(Buffer.byteLength(text));
    expect(await collect(input.stream(0))).toBe(text);
    expect(await collect(input.stream(123))).toBe(text.slice(123));
    expect(Buffer.from(await input.read(7, 20)).toString()).toBe(text.slice(7, 20));
    expect((await input.read(input.size, input.size + 10)).byteLength).toBe(0);
  });

  it('stops at the listed size, so bytes appended after listing are not half-read', async () => {
    const path = await fileWith('grow.txt', 'abc\ndef\n');
    const input = await LocalFileInput.open(path, { size: 4 });
    expect(await collect(input.stream(0))).toBe('abc\n');
  });

  it('reports a file that shrank after listing', async () => {
    const path = await fileWith('shrink.txt', text);
    const input = await LocalFileInput.open(path);
    await truncate(path, 100);
    await expect(collect(input.stream(0))).rejects.toSatisfy((e: unknown) =>
      hasErrorCode(e, FilesErrorCodes.FILE_CHANGED),
    );
  });

  it('decompresses gzip by extension; offsets count decompressed bytes; no random reads', async () => {
    const input = await LocalFileInput.open(await fileWith('a.txt.gz', gzipSync(text)), { chunkBytes: 1024 });
    expect(input.compressed).toBe(true);
    expect(await collect(input.stream(0))).toBe(text);
    expect(await collect(input.stream(5000))).toBe(text.slice(5000));
    await expect(input.read(0, 10)).rejects.toSatisfy((e: unknown) =>
      hasErrorCode(e, FilesErrorCodes.RANDOM_READ_COMPRESSED),
    );
  });

  it('decompresses zstd by extension (multi-block frame)', async () => {
    const path = await fileWith('a.txt.zst', zstdRawFrame(Buffer.from(text), 4096));
    const input = await LocalFileInput.open(path);
    expect(await collect(input.stream(0))).toBe(text);
    expect(await collect(input.stream(17))).toBe(text.slice(17));
  });

  it('fails with TRIB_FILES_DECOMPRESSION_FAILED on a corrupt file', async () => {
    const input = await LocalFileInput.open(await fileWith('bad.gz', 'not gzip at all'));
    await expect(collect(input.stream(0))).rejects.toSatisfy((e: unknown) =>
      hasErrorCode(e, FilesErrorCodes.DECOMPRESSION_FAILED),
    );
  });

  it('detects compression by extension unless forced', () => {
    expect(compressionOf('/x/a.csv.GZ')).toBe('gzip');
    expect(compressionOf('/x/a.zstd')).toBe('zstd');
    expect(compressionOf('/x/a.csv')).toBe('none');
    expect(compressionOf('/x/a.csv', 'gzip')).toBe('gzip');
  });
});
