import { basename } from 'node:path';
import { type Document, isMap, isPair, isScalar, LineCounter, type Node, parseDocument, visit } from 'yaml';
import { PipelineFileError, type PipelineProblem, type SourcePosition } from './pipeline-error.js';

/** A key path into the document, e.g. `['source', 'options', 'paths', 0]`. */
export type KeyPath = readonly (string | number)[];

/**
 * A parsed pipeline file (YAML, or JSON, which YAML 1.2 reads too) that remembers where every
 * value came from, so validation errors can name the line and column.
 */
export class PipelineDocument {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    /** The plain value after `${ENV}` substitution. */
    readonly value: unknown,
  ) {}

  /** Parses `text`; syntax errors and missing environment variables throw {@link PipelineFileError}. */
  static parse(text: string, path: string, env: NodeJS.ProcessEnv = process.env): PipelineDocument {
    const file = basename(path);
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const syntax = [...doc.errors];
    if (syntax.length > 0) {
      // The first error is the cause; the parser's follow-up errors repeat it in other words.
      const first = syntax[0] as (typeof syntax)[number];
      throw new PipelineFileError([
        {
          file,
          position: toPosition(lines, first.pos[0]),
          key: '',
          message: `invalid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${firstLine(first.message)}`,
        },
      ]);
    }
    const problems = substituteEnv(doc, lines, file, env);
    if (problems.length > 0) throw new PipelineFileError(problems);
    return new PipelineDocument(file, doc, lines, doc.toJS({ maxAliasCount: 100 }));
  }

  /** Whether the file has a value at `path`. */
  has(path: KeyPath): boolean {
    return this.doc.hasIn(path);
  }

  /** Where the value at `path` is; for a missing key, its closest existing parent. */
  positionOf(path: KeyPath, unknownKey?: string): SourcePosition | undefined {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (!node || typeof node !== 'object') continue;
      if (unknownKey !== undefined && n === path.length && isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === unknownKey);
        const keyNode = pair?.key as Node | undefined;
        if (keyNode?.range) return toPosition(this.lines, keyNode.range[0]);
      }
      const range = (node as Node).range;
      if (range) return toPosition(this.lines, range[0]);
    }
    return undefined;
  }
}

function toPosition(lines: LineCounter, offset: number): SourcePosition {
  const { line, col } = lines.linePos(offset);
  return { line, col };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/**
 * Replaces `${NAME}` and `${NAME:-default}` in string values with the environment's value, in
 * place. A plain (unquoted) value that is exactly one reference takes the variable's YAML type
 * (`port: ${PORT}` becomes a number); a quoted one stays text. `$${NAME}` keeps the text literally. Values are never echoed anywhere.
 */
function substituteEnv(
  doc: Document.Parsed,
  lines: LineCounter,
  file: string,
  env: NodeJS.ProcessEnv,
): PipelineProblem[] {
  const problems: PipelineProblem[] = [];
  visit(doc, {
    Scalar(_key, node, path) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const keys = keyPathOf(path);
      // Keys are not substituted, only values.
      const parent = path[path.length - 1];
      if (isPair(parent) && parent.key === node) return;
      const text = node.value;
      const whole = text.match(/^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/);
      let missing: string | undefined;
      const replaced = text.replace(
        /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
        (all, escaped, name, fallback) => {
          if (escaped) return all.slice(1);
          const value = env[name] ?? fallback;
          if (value === undefined) missing ??= name;
          return value ?? '';
        },
      );
      if (missing !== undefined) {
        problems.push({
          file,
          position: node.range ? toPosition(lines, node.range[0]) : undefined,
          key: keys.join('.'),
          message: `environment variable ${missing} is not set (use \${${missing}:-default} for a default)`,
        });
        return;
      }
      // Quoted ("${DB_PASSWORD}") stays text: a password of digits must not become a number.
      node.value = whole && node.type === 'PLAIN' ? typedScalar(replaced) : replaced;
    },
  });
  return problems;
}

/** `true`, `42`, `1.5` become boolean/number like a YAML plain scalar; anything else stays text. */
function typedScalar(text: string): unknown {
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  return text;
}

function keyPathOf(path: readonly unknown[]): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let i = 0; i < path.length; i++) {
    const item = path[i];
    if (isPair(item) && isScalar(item.key)) keys.push(String(item.key.value));
    const next = path[i + 1];
    if (item && typeof item === 'object' && 'items' in item && !isMap(item) && next !== undefined) {
      const index = (item as { items: unknown[] }).items.indexOf(next);
      if (index >= 0) keys.push(index);
    }
  }
  return keys;
}
