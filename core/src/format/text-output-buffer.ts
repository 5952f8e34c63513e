import type { FileOutput } from '../api/format.js';

export interface TextOutputBufferOptions {
  /** Buffered characters that trigger a write to the output (default 256 Ki). */
  readonly flushThresholdChars?: number;
}

const DEFAULT_FLUSH_THRESHOLD_CHARS = 256 * 1024;

/**
 * Collects the text of row-format writers (JSON Lines, CSV, plain text) and writes it to a
 * {@link FileOutput} in large UTF-8 chunks: one `TextEncoder.encode` and one `write` per ~256 K
 * characters rather than per record or per small batch.
 */
export class TextOutputBuffer {
  private readonly output: FileOutput;
  private readonly threshold: number;
  private readonly encoder = new TextEncoder();
  private text = '';

  constructor(output: FileOutput, options: TextOutputBufferOptions = {}) {
    this.output = output;
    this.threshold = options.flushThresholdChars ?? DEFAULT_FLUSH_THRESHOLD_CHARS;
  }

  /** Characters buffered and not yet written. */
  get bufferedChars(): number {
    return this.text.length;
  }

  /** Appends text and writes the buffer out when it passed the threshold. */
  async append(text: string): Promise<void> {
    // String concatenation builds a rope in V8; it is flattened once, by encode().
    this.text += text;
    if (this.text.length >= this.threshold) await this.flush();
  }

  /** Writes everything buffered to the output. */
  async flush(): Promise<void> {
    if (this.text.length === 0) return;
    const bytes = this.encoder.encode(this.text);
    this.text = '';
    await this.output.write(bytes);
  }
}
