import type { z } from 'zod';
import type { KeyPath } from './pipeline-document.js';

/** Looks through optional/default wrappers to the schema inside (e.g. an object's shape). */
export function unwrapSchema(schema: unknown): unknown {
  let current = schema as { def?: { innerType?: unknown } } | undefined;
  for (let i = 0; i < 8 && current?.def?.innerType; i++) current = current.def.innerType as typeof current;
  return current;
}

/** The object schema at `path` inside `schema`, or undefined (not an object, or a union on the way). */
export function objectSchemaAt(schema: unknown, path: KeyPath): z.ZodObject | undefined {
  let current = unwrapSchema(schema);
  for (const key of path) {
    const shape = (current as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (!shape || typeof key !== 'string') return undefined;
    current = unwrapSchema(shape[key]);
  }
  return (current as { shape?: unknown } | undefined)?.shape ? (current as z.ZodObject) : undefined;
}

/** The keys of an object schema (through wrappers), for "allowed: ..." hints. */
export function objectKeys(schema: unknown): string[] {
  return Object.keys((unwrapSchema(schema) as { shape?: object } | undefined)?.shape ?? {});
}
