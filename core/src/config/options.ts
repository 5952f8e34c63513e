import { z } from 'zod';
import { CoreErrorCodes } from '../errors/error-codes.js';
import { TributaryError } from '../errors/tributary-error.js';

/**
 * One schema per component. The TypeScript type is inferred from the schema, defaults and
 * one-line descriptions live beside each key (`z.number().default(100).describe('...')`), and
 * validation runs at construction. Docs option tables are generated from the same schema with
 * {@link describeOptions}.
 */
export interface OptionsSchema<S extends z.ZodType> {
  /** Dotted prefix used in error messages and docs, e.g. `kafka.source`. */
  readonly component: string;
  readonly schema: S;
  /** Validates and applies defaults; throws {@link InvalidOptionsError} naming each bad key. */
  parse(input: unknown): z.output<S>;
}

/** Options failed validation. `issues` lists every bad key with the reason. */
export class InvalidOptionsError extends TributaryError {
  readonly issues: readonly { key: string; message: string }[];
  constructor(component: string, issues: readonly { key: string; message: string }[]) {
    const lines = issues.map((i) => `  - ${i.key}: ${i.message}`).join('\n');
    super(CoreErrorCodes.INVALID_OPTIONS, `Invalid ${component} options:\n${lines}`, {
      context: { component, keys: issues.map((i) => i.key) },
    });
    this.name = 'InvalidOptionsError';
    this.issues = issues;
  }
}

export function defineOptions<S extends z.ZodType>(component: string, schema: S): OptionsSchema<S> {
  return {
    component,
    schema,
    parse(input: unknown) {
      const result = schema.safeParse(input ?? {});
      if (result.success) return result.data;
      throw new InvalidOptionsError(
        component,
        result.error.issues.map((issue) => formatIssue(component, issue)),
      );
    },
  };
}

function formatIssue(component: string, issue: z.core.$ZodIssue): { key: string; message: string } {
  const key = [component, ...issue.path.map(String)].join('.');
  // Never echo the received value: it may be a credential.
  let message = issue.message;
  if (issue.code === 'invalid_type' && issue.input === undefined) message = 'is required';
  if (issue.code === 'unrecognized_keys') {
    message = `unknown option(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}; check the spelling against the documented options`;
  }
  return { key, message };
}

/** One row of a generated docs table. */
export interface OptionDoc {
  readonly key: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
  readonly description: string;
}

/** Lists the options of an object schema for docs tables (nested objects are flattened with dots). */
export function describeOptions(options: OptionsSchema<z.ZodType>): OptionDoc[] {
  const json = z.toJSONSchema(options.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: OptionDoc[] = [];
  walk(json, '', rows);
  return rows;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  description?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  const?: unknown;
}

function walk(schema: JsonSchema, prefix: string, rows: OptionDoc[]): void {
  const required = new Set(schema.required ?? []);
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (prop.properties && !prop.description) {
      walk(prop, key, rows);
      continue;
    }
    const row: OptionDoc = {
      key,
      type: typeName(prop),
      required: required.has(name) && prop.default === undefined,
      description: prop.description ?? '',
      ...(prop.default === undefined ? {} : { default: prop.default }),
    };
    rows.push(row);
  }
}

function typeName(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const alts = s.anyOf ?? s.oneOf;
  // Deduplicated: a union of object shapes reads `object`, not `object | object`.
  if (alts) return [...new Set(alts.map(typeName))].join(' | ');
  if (s.type === 'array') return `${s.items ? typeName(s.items) : 'unknown'}[]`;
  if (Array.isArray(s.type)) return s.type.join(' | ');
  return s.type ?? 'unknown';
}

/** Renders option rows as a Markdown table (used by the docs generator). */
export function optionsMarkdownTable(rows: readonly OptionDoc[]): string {
  const esc = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const lines = ['| Option | Type | Default | Description |', '| --- | --- | --- | --- |'];
  for (const r of rows) {
    const def =
      r.default === undefined ? (r.required ? '**required**' : '') : `\`${JSON.stringify(r.default)}\``;
    lines.push(`| \`${r.key}\` | ${esc(r.type)} | ${def} | ${esc(r.description)} |`);
  }
  return lines.join('\n');
}
