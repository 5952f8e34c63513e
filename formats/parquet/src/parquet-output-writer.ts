import type { FileOutput } from '@tributary/core';
import { ByteWriter } from 'hyparquet-writer';

/**
 * The writer library's byte sink, bridged to a {@link FileOutput}: the library encodes a row group
 * into this buffer, then calls `flush()`, which hands the bytes to the output and reuses the buffer.
 * So memory holds at most one encoded row group, never the whole file.
 */
export class ParquetOutputWriter extends ByteWriter {
  private readonly output: FileOutput;

  constructor(output: FileOutput) {
    super(1024 * 1024);
    this.output = output;
  }

  /** Writes the buffered bytes out. `offset` keeps counting file bytes; only the buffer index resets. */
  flush(): Promise<void> {
    if (this.index === 0) return Promise.resolve();
    // Copy: the output may hold on to the chunk while the buffer is reused for the next group.
    const chunk = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return this.output.write(chunk);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}
