import { type FileHandle, open } from 'node:fs/promises';
import type { FileOutput } from '@tributary/core';
import { ioError } from './fs-utils.js';

const BUFFER_BYTES = 256 * 1024;

/**
 * A {@link FileOutput} over a local file created exclusively (an existing file is never truncated).
 * Small chunks (some bulk encoders write a few bytes at a time) are copied into one buffer and
 * written together; large chunks go straight to the file.
 */
export class LocalFileOutput implements FileOutput {
  private readonly buffer = new Uint8Array(BUFFER_BYTES);
  private buffered = 0;
  private written = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Creates the file; fails if it exists. */
  static async create(path: string): Promise<LocalFileOutput> {
    try {
      return new LocalFileOutput(path, await open(path, 'wx'));
    } catch (error) {
      throw ioError('create', path, error);
    }
  }

  /** Bytes handed to `write` so far (buffered ones included). */
  get bytesWritten(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.written += chunk.byteLength;
    if (chunk.byteLength >= BUFFER_BYTES / 4) {
      await this.drain();
      await this.writeFully(chunk);
      return;
    }
    if (this.buffered + chunk.byteLength > BUFFER_BYTES) await this.drain();
    this.buffer.set(chunk, this.buffered);
    this.buffered += chunk.byteLength;
  }

  /** Writes buffered bytes and makes the file's content durable (fsync). */
  async sync(): Promise<void> {
    await this.drain();
    try {
      await this.handle.sync();
    } catch (error) {
      throw ioError('fsync', this.path, error);
    }
  }

  /** Writes buffered bytes and closes the handle. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.drain();
    } finally {
      this.closed = true;
      await this.handle.close();
    }
  }

  /** Closes without writing what is buffered (the file is being abandoned). */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.buffered = 0;
    await this.handle.close().catch(() => undefined);
  }

  private async drain(): Promise<void> {
    if (this.buffered === 0) return;
    const n = this.buffered;
    this.buffered = 0;
    await this.writeFully(this.buffer.subarray(0, n));
  }

  private async writeFully(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    try {
      while (offset < bytes.byteLength) {
        const { bytesWritten } = await this.handle.write(bytes, offset, bytes.byteLength - offset);
        offset += bytesWritten;
      }
    } catch (error) {
      throw ioError('write', this.path, error);
    }
  }
}
