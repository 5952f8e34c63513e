import type { LineRegionBatch } from '@tributary/core';
import {
  type FileFormat,
  type FileInput,
  type FileOutput,
  type FileReadBatch,
  type FileRecordReader,
  type FileRecordWriter,
  type FileRegion,
  type FileWriterFormat,
  LineRecordReaderBase,
  type RecordBatchBuilder,
} from '@tributary/core';

/**
 * Test fixture formats (the connector never depends on `@tributary/format-*`):
 * - {@link jsonLinesFixture}: one JSON value per line, a splittable row format;
 * - {@link bulkFixture}: a whole file is one JSON document `{"count":n,"records":[...]}` written at
 *   `finish()`, so it cannot be split, appended to or concatenated (like Parquet).
 */
class JsonLinesReader extends LineRecordReaderBase<unknown> {
  protected parseLines(batch: LineRegionBatch, out: RecordBatchBuilder<unknown>): void {
    for (let i = 0; i < batch.lines.length; i++) {
      const line = batch.lines[i] as string;
      if (line === '') continue;
      if (line === 'BAD') {
        out.skippedErrors++;
        continue;
      }
      out.records.push(JSON.parse(line));
      out.endOffsets.push(batch.ends[i] as number);
      if (batch.firstLineNumber !== undefined) out.lineNumbers?.push(batch.firstLineNumber + i);
    }
  }
}

class JsonLinesWriter implements FileRecordWriter<unknown> {
  private readonly encoder = new TextEncoder();
  constructor(private readonly output: FileOutput) {}
  async writeBatch(records: readonly unknown[]): Promise<void> {
    let text = '';
    for (const r of records) text += `${JSON.stringify(r)}\n`;
    await this.output.write(this.encoder.encode(text));
  }
  async flush(): Promise<void> {}
  async finish(): Promise<void> {}
}

export function jsonLinesFixture<T = unknown>(): FileFormat<T> & FileWriterFormat<T> {
  return {
    name: 'json-lines-fixture',
    extension: '.jsonl',
    kind: 'row',
    splittable: true,
    createReader: (input: FileInput, region: FileRegion) =>
      new JsonLinesReader(input, region) as unknown as FileRecordReader<T>,
    createWriter: (output: FileOutput) => new JsonLinesWriter(output) as FileRecordWriter<T>,
  };
}

class BulkWriter implements FileRecordWriter<unknown> {
  private readonly records: unknown[] = [];
  constructor(private readonly output: FileOutput) {}
  async writeBatch(records: readonly unknown[]): Promise<void> {
    this.records.push(...records);
  }
  async flush(): Promise<void> {}
  async finish(): Promise<void> {
    const doc = JSON.stringify({ count: this.records.length, records: this.records });
    await this.output.write(new TextEncoder().encode(doc));
  }
}

class BulkReader implements FileRecordReader<unknown> {
  private done = false;
  constructor(
    private readonly input: FileInput,
    private readonly region: FileRegion,
  ) {}
  async readBatch(): Promise<FileReadBatch<unknown> | null> {
    if (this.done) return null;
    this.done = true;
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.input.stream(0)) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    const doc = JSON.parse(bytes.toString('utf8')) as { records: unknown[] };
    const skip = this.region.restoredPosition?.recordsToSkip ?? 0;
    const records = doc.records.slice(skip);
    return {
      records,
      positions: records.map((_r, i) => ({ offset: 0, recordsToSkip: skip + i + 1 })),
      bytesRead: bytes.byteLength,
    };
  }
  async close(): Promise<void> {}
}

export function bulkFixture<T = unknown>(): FileFormat<T> & FileWriterFormat<T> {
  return {
    name: 'bulk-fixture',
    extension: '.bulk.json',
    kind: 'bulk',
    splittable: false,
    createReader: (input: FileInput, region: FileRegion) =>
      new BulkReader(input, region) as FileRecordReader<T>,
    createWriter: (output: FileOutput) => new BulkWriter(output) as FileRecordWriter<T>,
  };
}
