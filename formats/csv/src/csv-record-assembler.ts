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

/** `fieldQuoted` of an unquoted field of a {@link CsvRecordAssembler.quotedLine}. */
export const UNQUOTED_FIELD = 0;
/** `fieldQuoted` of a quoted field without doubled quotes: its range is its text. */
export const QUOTED_FIELD = 1;
/** `fieldQuoted` of a quoted field with doubled quotes: its range still needs unescaping. */
export const ESCAPED_FIELD = 2;

/**
 * Assembles CSV records (RFC 4180) from lines. A record is usually one line; a quoted field with a
 * line break spans several, so {@link feed} returns false until the record is complete. Fields are
 * strings, or null for an unquoted field equal to the null literal.
 *
 * Lines arrive without their `\n` but with the `\r` of CRLF: outside quotes it ends the record, inside
 * quotes it is data, and only the parser knows which. A line without a quote character takes a fast
 * path: its fields stay ranges of the line ({@link plainLine}, {@link fieldEnds}), so a converter can
 * read numbers and dates in place, and `fields` cuts the substrings only when asked. A one-line record
 * whose quoted fields need no unescaping (no doubled quote, nothing after the closing quote) stays
 * ranges too ({@link quotedLine}, {@link fieldStarts}, {@link fieldQuoted}): the demo's names such as
 * `"Smith, John"` take this path, and so do quoted fields with doubled quotes (`"mixer ""Pro"""`),
 * marked for unescaping ({@link ESCAPED_FIELD}) so the converter cuts one string for such a field
 * instead of the scanner's pieces. Other lines go through a scanner that never looks at a character
 * twice.
 *
 * A malformed record (text after a closing quote, an unterminated quote) is assembled to its end
 * anyway so the next record starts in the right place; `problem` then says what is wrong.
 */
export class CsvRecordAssembler {
  /**
   * Set when the completed record is one line without quote characters: field `i` is
   * `plainLine[i === 0 ? 0 : fieldEnds[i - 1] + 1, fieldEnds[i])` for `i < fieldCount` (the `\r` of
   * CRLF is past the last end). Undefined for a record that had quotes: read `fields`.
   */
  plainLine: string | undefined;
  /**
   * Set when the completed record is one line whose quoted fields end at their closing quote: field
   * `i` is `quotedLine[fieldStarts[i], fieldEnds[i])` (the quotes excluded), quoted when
   * `fieldQuoted[i]` is {@link QUOTED_FIELD} or {@link ESCAPED_FIELD} (the null literal applies only
   * to unquoted fields); an escaped field's doubled quotes still need unescaping ({@link unescape}).
   * Undefined otherwise.
   */
  quotedLine: string | undefined;
  fieldEnds = new Int32Array(16);
  /** Field starts of a {@link quotedLine} (not kept for a {@link plainLine}). */
  fieldStarts = new Int32Array(16);
  fieldQuoted = new Uint8Array(16);
  fieldCount = 0;
  /** Set when the completed record is malformed; `problemColumn` is 1-based. */
  problem: string | undefined;
  problemColumn = 0;
  /** Lines consumed by the completed record (1 unless quoted line breaks). */
  lineCount = 0;

  private readonly d: CsvDialect;
  private readonly rfcEscape: boolean;
  private readonly doubledQuote: string;
  /** Inside a quoted field carried over from the previous line; `content` holds its text so far. */
  private inQuotes = false;
  private content = '';
  /** Fields of a record with quotes, or of a plain line once `fields` cut them. */
  private fieldList: (string | null)[] = [];

  constructor(dialect: CsvDialect) {
    this.d = dialect;
    this.rfcEscape = dialect.escape === dialect.quote;
    this.doubledQuote = dialect.quote + dialect.quote;
  }

  /**
   * Fields of the record completed by the last `feed` that returned true: strings, or null for an
   * unquoted field equal to the null literal.
   */
  get fields(): (string | null)[] {
    const line = this.plainLine;
    if (line !== undefined) {
      this.plainLine = undefined;
      this.fieldList = this.cutPlain(line);
    }
    const quotedLine = this.quotedLine;
    if (quotedLine !== undefined) {
      this.quotedLine = undefined;
      this.fieldList = this.cutQuoted(quotedLine);
    }
    return this.fieldList;
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
      this.problem = undefined;
      this.lineCount = 0;
      this.quotedLine = undefined;
      if (line.indexOf(this.d.quote) === -1) {
        this.lineCount = 1;
        this.findFields(line, end);
        return true;
      }
      this.plainLine = undefined;
      if (this.rfcEscape && this.findQuotedFields(line, end)) {
        this.lineCount = 1;
        this.quotedLine = line;
        return true;
      }
      this.fieldList = [];
    }
    this.lineCount++;
    const complete = this.scan(line, end);
    if (complete) return true;
    // The line break belongs to the quoted field.
    if (!this.d.newlinesInQuotedFields) {
      this.fail(
        'line break inside a quoted field (newlinesInQuotedFields is false)',
        this.fieldList.length + 1,
      );
      this.fieldList.push(this.content);
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
    this.fail('unterminated quoted field at end of input', this.fieldList.length + 1);
    this.fieldList.push(this.content.slice(0, this.content.endsWith('\r\n') ? -2 : -1));
    this.inQuotes = false;
    this.content = '';
    return true;
  }

  /** Records where the fields of `line[0, end)` (no quotes) end. */
  private findFields(line: string, end: number): void {
    const delimiter = this.d.delimiter;
    let ends = this.fieldEnds;
    let count = 0;
    for (let p = 0; ; ) {
      let next = line.indexOf(delimiter, p);
      if (next === -1 || next >= end) next = end;
      if (count === ends.length) {
        this.growRanges();
        ends = this.fieldEnds;
      }
      ends[count++] = next;
      if (next === end) break;
      p = next + 1;
    }
    this.fieldCount = count;
    this.plainLine = line;
  }

  /**
   * Records the field ranges of `line[0, end)`, a record with quotes, when it is complete on this line
   * and no quoted field needs unescaping; false (nothing recorded) for any other line, which the
   * scanner then reads. Fields are split as the scanner splits them: a quote opens a quoted field only
   * at a field's start.
   */
  private findQuotedFields(line: string, end: number): boolean {
    const { delimiter, quote } = this.d;
    const quoteCode = quote.charCodeAt(0);
    const delimiterCode = delimiter.charCodeAt(0);
    let count = 0;
    for (let p = 0; ; ) {
      if (count === this.fieldEnds.length) this.growRanges();
      if (p < end && line.charCodeAt(p) === quoteCode) {
        let kind = QUOTED_FIELD;
        let q = line.indexOf(quote, p + 1);
        // A doubled quote is an escaped one: the field goes on.
        while (q !== -1 && q + 1 < end && line.charCodeAt(q + 1) === quoteCode) {
          kind = ESCAPED_FIELD;
          q = line.indexOf(quote, q + 2);
        }
        // Unterminated on this line, or text after the closing quote: the scanner reads it.
        if (q === -1 || q >= end) return false;
        if (q + 1 < end && line.charCodeAt(q + 1) !== delimiterCode) return false;
        this.fieldStarts[count] = p + 1;
        this.fieldEnds[count] = q;
        this.fieldQuoted[count++] = kind;
        if (q + 1 >= end) break;
        p = q + 2;
      } else {
        let next = line.indexOf(delimiter, p);
        if (next === -1 || next >= end) next = end;
        this.fieldStarts[count] = p;
        this.fieldEnds[count] = next;
        this.fieldQuoted[count++] = UNQUOTED_FIELD;
        if (next === end) break;
        p = next + 1;
      }
    }
    this.fieldCount = count;
    return true;
  }

  private growRanges(): void {
    const size = this.fieldEnds.length * 2;
    const ends = new Int32Array(size);
    ends.set(this.fieldEnds);
    this.fieldEnds = ends;
    const starts = new Int32Array(size);
    starts.set(this.fieldStarts);
    this.fieldStarts = starts;
    const quoted = new Uint8Array(size);
    quoted.set(this.fieldQuoted);
    this.fieldQuoted = quoted;
  }

  /** The substrings of a quoted line's fields (null for an unquoted null literal). */
  private cutQuoted(line: string): (string | null)[] {
    const nullLiteral = this.d.nullLiteral;
    const fields: (string | null)[] = [];
    for (let i = 0; i < this.fieldCount; i++) {
      const quoted = this.fieldQuoted[i];
      const text = line.slice(this.fieldStarts[i] as number, this.fieldEnds[i] as number);
      if (quoted === ESCAPED_FIELD) fields.push(this.unescape(text));
      else fields.push(quoted === UNQUOTED_FIELD && text === nullLiteral ? null : text);
    }
    return fields;
  }

  /** The substrings of a plain line's fields (null for the null literal). */
  private cutPlain(line: string): (string | null)[] {
    const ends = this.fieldEnds;
    const nullLiteral = this.d.nullLiteral;
    const fields: (string | null)[] = [];
    let start = 0;
    for (let i = 0; i < this.fieldCount; i++) {
      const end = ends[i] as number;
      const text = line.slice(start, end);
      fields.push(text === nullLiteral ? null : text);
      start = end + 1;
    }
    return fields;
  }

  /** The text of an {@link ESCAPED_FIELD}, cut from its quoted line, with its doubled quotes made single. */
  unescape(text: string): string {
    return text.replaceAll(this.doubledQuote, this.d.quote);
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
      this.fieldList.push(text === this.d.nullLiteral ? null : text);
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
        this.fail('unexpected text after a closing quote', this.fieldList.length + 1);
        const next = line.indexOf(delimiter, p);
        const stop = next === -1 || next >= end ? end : next;
        this.content += line.slice(p, stop);
        p = stop;
      }
      this.fieldList.push(this.content);
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
