import {
  type DeserializationSchema,
  type ResolvedPluginFormat,
  recordInvalidError,
  type SerializationSchema,
} from '@tributary/core';
import type { InstalledPlugin } from '../plugins/discover-plugins.js';
import type { KeyPath, PipelineDocument } from './pipeline-document.js';
import type { PipelineProblem } from './pipeline-error.js';
import type { DecodeSpec, EncodeSpec, FormatRef } from './pipeline-schema.js';
import type { CompiledProcessor } from './processors.js';
import { resolveFormat } from './resolve-format.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Where a conversion step is and what it resolved to. */
interface ResolvedStep {
  readonly format: ResolvedPluginFormat;
  /** `decode json payload`: the step's name in the dashboard and in record errors. */
  readonly name: string;
  readonly field: string | undefined;
  readonly as: 'bytes' | 'string';
  readonly at: KeyPath;
}

/**
 * Resolves `decode: json` or `decode: { format: json, field: payload }` (the same for `encode`)
 * to the format's deserializer or serializer. Null after recording a problem at the right key.
 */
function resolveStep(
  doc: PipelineDocument,
  index: number,
  kind: 'decode' | 'encode',
  spec: DecodeSpec | EncodeSpec,
  plugins: readonly InstalledPlugin[],
  problems: PipelineProblem[],
): ResolvedStep | null {
  // The wrapped form has `format` and no `type` (a format reference has `type`; the schema is strict).
  const wrapped =
    typeof spec === 'object' && 'format' in spec && !('type' in spec)
      ? (spec as { format: FormatRef; field?: string | undefined; as?: 'bytes' | 'string' })
      : undefined;
  const ref = wrapped ? wrapped.format : (spec as FormatRef);
  const at: KeyPath = wrapped ? ['processors', index, kind, 'format'] : ['processors', index, kind];
  const role = kind === 'decode' ? 'deserializer' : 'serializer';
  const format = resolveFormat(doc, ref, { at, role, usedBy: kind }, plugins, problems);
  if (!format) return null;
  const field = wrapped?.field;
  const name = `${kind} ${typeof ref === 'string' ? ref : ref.type}${field === undefined ? '' : ` ${field}`}`;
  return { format, name, field, as: wrapped?.as ?? 'bytes', at };
}

/**
 * Compiles `decode: <format>` (bytes or text → the format's value, with its deserializer) into
 * a map step. The whole record or one field is decoded; a value that is not bytes or text fails
 * with `TRIB_RECORD_INVALID` naming the step and the field. Null after recording a problem.
 */
export function compileDecode(
  doc: PipelineDocument,
  index: number,
  spec: DecodeSpec,
  plugins: readonly InstalledPlugin[],
  problems: PipelineProblem[],
): CompiledProcessor | null {
  const step = resolveStep(doc, index, 'decode', spec, plugins, problems);
  if (!step) return null;
  const schema = step.format.deserializer as DeserializationSchema<unknown>;
  if (schema.prepare) {
    // A lookup per batch (a schema registry) cannot run inside a synchronous step.
    problems.push({
      file: doc.file,
      position: doc.positionOf(step.at),
      key: step.at.join('.'),
      message: `format '${step.format.name}' looks up schemas per batch and can be used as a source format only`,
    });
    return null;
  }
  const decode = (value: unknown): unknown => {
    if (typeof value === 'string') return schema.deserialize(encoder.encode(value));
    if (value instanceof Uint8Array) return schema.deserialize(value);
    throw recordInvalidError(`${step.name}: expected bytes or a string, got ${describe(value)}`, {
      field: step.field,
    });
  };
  return { kind: 'map', name: step.name, fn: inField(step.field, decode) };
}

/**
 * Compiles `encode: <format>` (a value → the format's bytes, with its serializer) into a map
 * step; `as: string` turns the bytes into UTF-8 text (bytes that are not UTF-8 fail, naming the step).
 */
export function compileEncode(
  doc: PipelineDocument,
  index: number,
  spec: EncodeSpec,
  plugins: readonly InstalledPlugin[],
  problems: PipelineProblem[],
): CompiledProcessor | null {
  const step = resolveStep(doc, index, 'encode', spec, plugins, problems);
  if (!step) return null;
  const schema = step.format.serializer as SerializationSchema<unknown>;
  const asText = step.as === 'string';
  const encode = (value: unknown): unknown => {
    const bytes = schema.serialize(value);
    if (!asText) return bytes;
    try {
      return decoder.decode(bytes);
    } catch {
      throw recordInvalidError(`${step.name}: the encoded bytes are not UTF-8 text (use as: bytes)`, {
        field: step.field,
      });
    }
  };
  return { kind: 'map', name: step.name, fn: inField(step.field, encode) };
}

/** Applies `convert` to the record, or to one field of it (a new record; the input is not changed). */
function inField(
  field: string | undefined,
  convert: (value: unknown) => unknown,
): (record: unknown) => unknown {
  if (field === undefined) return convert;
  return (record) => {
    if (typeof record !== 'object' || record === null) {
      throw recordInvalidError(`expected a record with field '${field}', got ${describe(record)}`, { field });
    }
    return {
      ...(record as Record<string, unknown>),
      [field]: convert((record as Record<string, unknown>)[field]),
    };
  };
}

/** A value's kind for messages, never its content (records may hold secrets). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
