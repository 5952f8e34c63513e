/**
 * JSON without silent value changes, for formats whose numbers are database values (change-log
 * formats carry BIGINT UNSIGNED and DECIMAL columns). `JSON.parse` rounds every number to a double;
 * this parser keeps integers beyond 2^53 as `bigint` and a number a double cannot hold exactly as
 * its exact decimal text (a `string`), so writing the value back yields the same number.
 * Node 20 has no `JSON.parse` source access, hence a parser of our own.
 */

/** A syntax error at `position` (a character index); the message never holds record content. */
export class ExactJsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} at character ${position}`);
    this.name = 'ExactJsonSyntaxError';
  }
}

/** A value {@link stringifyExactJson} cannot write; `path` names the field (`after.price`). */
export class ExactJsonValueError extends Error {
  constructor(
    readonly reason: string,
    readonly path: string,
  ) {
    super(`${path === '' ? 'the value' : `field '${path}'`} ${reason}`);
    this.name = 'ExactJsonValueError';
  }
}

/**
 * Parses one JSON document. Integers within ±(2^53 − 1) become numbers, larger ones `bigint`;
 * a fractional or exponent number becomes a number when the double has exactly its decimal value
 * as shortest form (`0.1`, `1.10`, `1e21`), otherwise its text as a string (`"12345678901234567.89"`).
 */
export function parseExactJson(text: string): unknown {
  const parser = new Parser(text);
  parser.skipSpace();
  const value = parser.value();
  parser.skipSpace();
  if (parser.pos < text.length)
    throw new ExactJsonSyntaxError('Unexpected data after the JSON value', parser.pos);
  return value;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  value(): unknown {
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
        throw new ExactJsonSyntaxError(
          c === undefined ? 'Unexpected end of JSON' : 'Unexpected character',
          this.pos,
        );
    }
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos))
      throw new ExactJsonSyntaxError('Unexpected character', this.pos);
    this.pos += word.length;
    return value;
  }

  private object(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') throw new ExactJsonSyntaxError('Expected a property name', this.pos);
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ':') throw new ExactJsonSyntaxError("Expected ':'", this.pos);
      this.pos++;
      this.skipSpace();
      const value = this.value();
      // A '__proto__' key is data, never the prototype.
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === '}') return result;
      if (c !== ',') throw new ExactJsonSyntaxError("Expected ',' or '}'", this.pos - 1);
      this.skipSpace();
    }
  }

  private array(): unknown[] {
    const result: unknown[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      result.push(this.value());
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === ']') return result;
      if (c !== ',') throw new ExactJsonSyntaxError("Expected ',' or ']'", this.pos - 1);
      this.skipSpace();
    }
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      const c = t.charCodeAt(i);
      if (Number.isNaN(c)) throw new ExactJsonSyntaxError('Unterminated string', start);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i += 2;
      } else if (c < 0x20) {
        throw new ExactJsonSyntaxError('Control character in string', i);
      } else i++;
    }
    this.pos = i + 1;
    if (!escaped) return t.slice(start + 1, i);
    try {
      return JSON.parse(t.slice(start, i + 1)) as string;
    } catch {
      throw new ExactJsonSyntaxError('Invalid escape in string', start);
    }
  }

  private number(): number | bigint | string {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) throw new ExactJsonSyntaxError('Invalid number', this.pos);
    const literal = match[0];
    this.pos += literal.length;
    const asNumber = Number(literal);
    if (match[1] === undefined && match[2] === undefined) {
      return Number.isSafeInteger(asNumber) || literal === '-0' ? asNumber : BigInt(literal);
    }
    return sameDecimal(literal, String(asNumber)) ? asNumber : literal;
  }
}

/** True when two decimal literals denote the same value (`1.10` and `1.1`, `1e21` and `1000e18`). */
function sameDecimal(a: string, b: string): boolean {
  const x = canonicalDecimal(a);
  const y = canonicalDecimal(b);
  return x.sign === y.sign && x.digits === y.digits && x.exponent === y.exponent;
}

function canonicalDecimal(literal: string): { sign: string; digits: string; exponent: number } {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (match === null) return { sign: '', digits: literal, exponent: 0 };
  const fraction = match[3] ?? '';
  let digits = (match[2] + fraction).replace(/^0+/, '');
  let exponent = Number(match[4] ?? '0') - fraction.length;
  if (digits === '') return { sign: '', digits: '0', exponent: 0 };
  const trimmed = digits.replace(/0+$/, '');
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  return { sign: match[1] ?? '', digits, exponent };
}

/**
 * Writes a value as JSON, `bigint` as a plain JSON integer. Values JSON cannot hold (NaN,
 * Infinity, functions, symbols, binary arrays, cycles, undefined in arrays) throw
 * {@link ExactJsonValueError} naming the field; undefined object properties are left out as in
 * `JSON.stringify`, and `toJSON` (Date) is honoured.
 */
export function stringifyExactJson(value: unknown): string {
  const out: string[] = [];
  write(value, '', out, new Set());
  return out.join('');
}

function write(value: unknown, path: string, out: string[], ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new ExactJsonValueError(`is ${value}, which JSON cannot hold`, path);
      out.push(String(value));
      return;
    case 'bigint':
      out.push(value.toString());
      return;
    case 'object':
      break;
    default:
      throw new ExactJsonValueError(`is a ${typeof value}, which JSON cannot hold`, path);
  }
  if (value === null) {
    out.push('null');
    return;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    write(toJSON.call(value), path, out, ancestors);
    return;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)
    throw new ExactJsonValueError('holds binary data; encode it (base64) before writing JSON', path);
  if (ancestors.has(value)) throw new ExactJsonValueError('refers back to itself (a cycle)', path);
  ancestors.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, index) => {
      const itemPath = `${path}[${index}]`;
      if (item === undefined)
        throw new ExactJsonValueError('is undefined, which a JSON array cannot hold', itemPath);
      if (index > 0) out.push(',');
      write(item, itemPath, out, ancestors);
    });
    out.push(']');
  } else {
    out.push('{');
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(key), ':');
      write(item, path === '' ? key : `${path}.${key}`, out, ancestors);
    }
    out.push('}');
  }
  ancestors.delete(value);
}
