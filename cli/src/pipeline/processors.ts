import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProcessorSpec } from './pipeline-schema.js';

/** A processor ready to chain: its kind, a name for the dashboard and the function. */
export interface CompiledProcessor {
  readonly kind: 'map' | 'filter' | 'flatMap';
  readonly name: string;
  readonly fn: (record: unknown) => unknown;
}

/** A processor of a function: a JavaScript expression or a module export. */
export type FunctionProcessorSpec = Extract<
  ProcessorSpec,
  { map: unknown } | { filter: unknown } | { flatMap: unknown }
>;

/** The kind of a processor spec (its single key). */
export function processorKind(spec: ProcessorSpec): CompiledProcessor['kind'] | 'decode' | 'encode' {
  if ('map' in spec) return 'map';
  if ('filter' in spec) return 'filter';
  if ('decode' in spec) return 'decode';
  if ('encode' in spec) return 'encode';
  return 'flatMap';
}

/**
 * Compiles an expression of `record` (`record.total > 0`, `({ ...record, total: record.a * record.b })`)
 * or imports a function from a module (relative to `baseDir`). Throws a plain error whose message
 * says what is wrong; the caller adds the file position.
 */
export async function compileProcessor(
  spec: FunctionProcessorSpec,
  baseDir: string,
): Promise<CompiledProcessor> {
  const kind = processorKind(spec) as CompiledProcessor['kind'];
  const ref = (spec as Record<string, unknown>)[kind] as string | { module: string; export: string };
  if (typeof ref === 'string') {
    let fn: (record: unknown) => unknown;
    try {
      // Expressions come from the pipeline file the user runs, like code in a TypeScript pipeline.
      fn = new Function('record', `"use strict"; return (${ref}\n);`) as (record: unknown) => unknown;
    } catch (error) {
      throw new Error(`not a valid JavaScript expression: ${(error as Error).message}`);
    }
    return { kind, name: `${kind}: ${ref.length > 40 ? `${ref.slice(0, 37)}...` : ref}`, fn };
  }
  const url = pathToFileURL(resolve(baseDir, ref.module)).href;
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`cannot import module '${ref.module}': ${(error as Error).message}`);
  }
  const fn = loaded[ref.export];
  if (typeof fn !== 'function')
    throw new Error(`module '${ref.module}' has no function export '${ref.export}'`);
  return { kind, name: `${kind}: ${ref.module}#${ref.export}`, fn: fn as (record: unknown) => unknown };
}
