/** The characters of a CSV dialect, as given by the options. */
export interface CsvDialect {
  readonly delimiter: string;
  readonly quote: string;
  /** Equal to `quote` for RFC 4180 doubling. */
  readonly escape: string;
  /** Unquoted text that reads as null, if any. */
  readonly nullLiteral: string | undefined;
  /** Whether a line break inside quotes continues the field (true) or is an error (false). */
  readonly newlinesInQuotedFields: boolean;
}

const CR = 13;

/**
 * Assembles CSV records (RFC 4180) from lines. A record is usually one line; a quoted field with a
 * line break spans several, so {@link feed} returns false until the record is complete. Fields are
 * strings, or null for an unquoted field equal to the null literal.
 *
 * Lines arrive without their `\n` but with the `\r` of CRLF: outside quotes it ends the record, inside
 * quotes it is data, and only the parser knows which. Lines without a quote character take a fast
 * path (`String#split`); others go through a scanner that never looks at a character twice.
 *
 * A malformed record (text after a closing quote, an unterminated quote) is assembled to its end
 * anyway so the next record starts in the right place; `problem` then says what is wrong.
 */
export class CsvRecordAssembler {
  /** Fields of the record completed by the last `feed` that returned true. */
  fields: (string | null)[] = [];
  /** Set when the completed record is malformed; `problemColumn` is 1-based. */
  problem: string | undefined;
  problemColumn = 0;
  /** Lines consumed by the completed record (1 unless quoted line breaks). */
  lineCount = 0;

  private readonly d: CsvDialect;
  private readonly rfcEscape: boolean;
  /** Inside a quoted field carried over from the previous line; `content` holds its text so far. */
  private inQuotes = false;
  private content = '';

  constructor(dialect: CsvDialect) {
    this.d = dialect;
    this.rfcEscape = dialect.escape === dialect.quote;
  }

  /** True while a record started on an earlier line is still open. */
  get pending(): boolean {
    return this.inQuotes;
  }

  /** Feeds one line; true when it completed a record (read `fields`, `problem`). */
  feed(line: string): boolean {
    let end = line.length;
    const hasCr = end > 0 && line.charCodeAt(end - 1) === CR;
    if (hasCr) end--;
    if (!this.inQuotes) {
      this.fields = [];
      this.problem = undefined;
      this.lineCount = 0;
      if (line.indexOf(this.d.quote) === -1) {
        this.lineCount = 1;
        this.splitPlain(hasCr ? line.slice(0, end) : line);
        return true;
      }
    }
    this.lineCount++;
    const complete = this.scan(line, end);
    if (complete) return true;
    // The line break belongs to the quoted field.
    if (!this.d.newlinesInQuotedFields) {
      this.fail('line break inside a quoted field (newlinesInQuotedFields is false)', this.fields.length + 1);
      this.fields.push(this.content);
      this.inQuotes = false;
      this.content = '';
      return true;
    }
    this.content += hasCr ? '\r\n' : '\n';
    return false;
  }

  /** Ends the input: completes an open quoted field as a malformed record; false if nothing was open. */
  finish(): boolean {
    if (!this.inQuotes) return false;
    // The last line had no terminator, so the '\n' added after it is not data.
    this.fail('unterminated quoted field at end of input', this.fields.length + 1);
    this.fields.push(this.content.slice(0, this.content.endsWith('\r\n') ? -2 : -1));
    this.inQuotes = false;
    this.content = '';
    return true;
  }

  private splitPlain(text: string): void {
    const parts = text.split(this.d.delimiter);
    const nullLiteral = this.d.nullLiteral;
    if (nullLiteral !== undefined) {
      for (let i = 0; i < parts.length; i++)
        if (parts[i] === nullLiteral) (parts as (string | null)[])[i] = null;
    }
    this.fields = parts;
  }

  /** Scans `line[0, end)`; true when the record ended on this line. */
  private scan(line: string, end: number): boolean {
    const { delimiter, quote } = this.d;
    let p = 0;
    if (this.inQuotes) {
      const q = this.quoted(line, p, end);
      if (q === -1) return false;
      p = q;
      if (p >= end) return true;
      p++; // delimiter
    }
    for (;;) {
      if (p < end && line[p] === quote) {
        this.content = '';
        this.inQuotes = true;
        const q = this.quoted(line, p + 1, end);
        if (q === -1) return false;
        if (q >= end) return true;
        p = q + 1;
        continue;
      }
      const next = line.indexOf(delimiter, p);
      const stop = next === -1 || next >= end ? end : next;
      const text = line.slice(p, stop);
      this.fields.push(text === this.d.nullLiteral ? null : text);
      if (stop >= end) return true;
      // After a delimiter there is always one more field, empty if the line ends here.
      p = stop + 1;
    }
  }

  /**
   * Reads quoted content from `p` (just after the opening quote, or the start of a continued line).
   * Returns the index of the delimiter or `end` after the closing quote, pushing the field; -1 when
   * the line ended inside the quotes (`content` holds the text so far).
   */
  private quoted(line: string, from: number, end: number): number {
    const { quote, delimiter } = this.d;
    const escapeChar = this.d.escape;
    let p = from;
    for (;;) {
      let q = line.indexOf(quote, p);
      if (q >= end) q = -1;
      if (!this.rfcEscape) {
        const e = line.indexOf(escapeChar, p);
        if (e !== -1 && e < end && (q === -1 || e < q)) {
          this.content += line.slice(p, e);
          if (e + 1 < end) {
            this.content += line[e + 1];
            p = e + 2;
          } else {
            this.content += escapeChar;
            p = end;
          }
          continue;
        }
      }
      if (q === -1) {
        this.content += line.slice(p, end);
        return -1;
      }
      this.content += line.slice(p, q);
      if (this.rfcEscape && q + 1 < end && line[q + 1] === quote) {
        this.content += quote;
        p = q + 2;
        continue;
      }
      // Closing quote.
      this.inQuotes = false;
      p = q + 1;
      if (p < end && line[p] !== delimiter) {
        // Text after the closing quote: keep it with the field so the record still ends correctly.
        this.fail('unexpected text after a closing quote', this.fields.length + 1);
        const next = line.indexOf(delimiter, p);
        const stop = next === -1 || next >= end ? end : next;
        this.content += line.slice(p, stop);
        p = stop;
      }
      this.fields.push(this.content);
      this.content = '';
      return p;
    }
  }

  private fail(problem: string, column: number): void {
    if (this.problem !== undefined) return;
    this.problem = problem;
    this.problemColumn = column;
  }
}
