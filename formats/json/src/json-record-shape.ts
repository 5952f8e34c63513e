import type { JsonFieldSpec, JsonFieldType } from './json-format-options.js';

/** Why a record does not have the required shape. */
export interface ShapeProblem {
  readonly reason: string;
  readonly field?: string;
}

interface Field {
  readonly name: string;
  readonly type: JsonFieldType;
  readonly nullable: boolean;
}

/**
 * Checks parsed records against the declared `fields` and fills absent ones with null (Flink's JSON
 * format semantics). Returns a problem instead of throwing: the reader decides between failing and
 * skipping, and exceptions on a hot path that skips many records are costly.
 */
export class JsonRecordShape {
  private readonly fields: readonly Field[];
  private readonly failOnMissingField: boolean;
  private readonly ignoreParseErrors: boolean;

  constructor(fields: readonly JsonFieldSpec[], failOnMissingField: boolean, ignoreParseErrors: boolean) {
    this.fields = fields.map((f) =>
      typeof f === 'string' ? { name: f, type: 'any', nullable: true } : { ...f },
    );
    this.failOnMissingField = failOnMissingField;
    this.ignoreParseErrors = ignoreParseErrors;
  }

  /** Validates `value` in place (absent or, with ignoreParseErrors, mistyped fields become null). */
  check(value: unknown): ShapeProblem | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { reason: `record is ${describe(value)}, expected a JSON object` };
    }
    const record = value as Record<string, unknown>;
    for (const field of this.fields) {
      const v = record[field.name];
      if (v === undefined) {
        if (this.failOnMissingField) return { reason: 'required field is missing', field: field.name };
        record[field.name] = null;
        continue;
      }
      if (v === null) {
        if (!field.nullable) return { reason: 'field must not be null', field: field.name };
        continue;
      }
      if (!hasType(v, field.type)) {
        if (this.ignoreParseErrors && field.nullable) {
          record[field.name] = null;
          continue;
        }
        return { reason: `expected ${field.type}, got ${describe(v)}`, field: field.name };
      }
    }
    return undefined;
  }
}

function hasType(v: unknown, type: JsonFieldType): boolean {
  switch (type) {
    case 'any':
      return true;
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
  }
}

/** The JSON type of a value, never the value itself (it may be a secret). */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (Number.isInteger(v)) return 'an integer';
  return `a ${typeof v}`;
}
