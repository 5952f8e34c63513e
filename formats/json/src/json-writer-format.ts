import {
  type FileOutput,
  type FileRecordWriter,
  type FileWriterFormat,
  TextOutputBuffer,
} from '@tributary/core';
import { stringifyRecord } from './json-serialization-schema.js';

/**
 * Writes JSON Lines part files (`.jsonl`), one record per line. A row format: everything written
 * is on the output after `flush()`, so an in-progress part file can be continued after a restore.
 * `JSON.stringify` escapes newlines in strings, so a record never spans lines.
 */
export class JsonWriterFormat<T = unknown> implements FileWriterFormat<T> {
  readonly name = 'json';
  readonly extension = '.jsonl';
  readonly kind = 'row';

  createWriter(output: FileOutput): FileRecordWriter<T> {
    return new JsonLinesRecordWriter<T>(output);
  }
}

class JsonLinesRecordWriter<T> implements FileRecordWriter<T> {
  private readonly buffer: TextOutputBuffer;

  constructor(output: FileOutput) {
    this.buffer = new TextOutputBuffer(output);
  }

  async writeBatch(records: readonly T[]): Promise<void> {
    let text = '';
    for (let i = 0; i < records.length; i++) text += `${stringifyRecord(records[i], i)}\n`;
    await this.buffer.append(text);
  }

  flush(): Promise<void> {
    return this.buffer.flush();
  }

  finish(): Promise<void> {
    return this.buffer.flush();
  }
}
