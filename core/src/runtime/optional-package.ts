import type { CoreErrorCode } from '../errors/error-codes.js';
import { TributaryError, toError } from '../errors/tributary-error.js';

/** Loads a module by name; replaced in tests to simulate a missing package. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

export const defaultImporter: ModuleImporter = (specifier) => import(specifier);

/** Which optional package a job option needs, and what to call it in errors. */
export interface OptionalPackage {
  /** The package, e.g. `@tributary/metrics`: a variable, so TypeScript never resolves it at build time. */
  readonly specifier: string;
  /** The job option that needs it (`metrics`, `dashboard`). */
  readonly option: string;
  /** The function export the runtime calls. */
  readonly exportName: string;
  /** Error code of every failure to load it (not retriable: installing the package is the fix). */
  readonly code: CoreErrorCode;
}

/**
 * Imports an optional peer package that a job option needs and returns its `exportName`
 * function. A missing package fails with an install hint; one without the export is named as a
 * version mismatch.
 */
export async function importOptionalPackage(
  needed: OptionalPackage,
  importModule: ModuleImporter,
): Promise<(...args: never[]) => unknown> {
  const { specifier, option, exportName, code } = needed;
  let loaded: unknown;
  try {
    loaded = await importModule(specifier);
  } catch (error) {
    throw new TributaryError(
      code,
      isModuleNotFound(error)
        ? `The job option '${option}' needs the package ${specifier}; install it next to @tributary/core (npm install ${specifier}).`
        : `The job option '${option}' needs ${specifier}, which failed to load: ${toError(error).message}`,
      { cause: error, context: { key: option, package: specifier } },
    );
  }
  const fn = (loaded as Record<string, unknown> | null | undefined)?.[exportName];
  if (typeof fn !== 'function') {
    throw new TributaryError(
      code,
      `${specifier} does not export ${exportName}; install a version that matches @tributary/core.`,
      { context: { key: option, package: specifier } },
    );
  }
  return fn as (...args: never[]) => unknown;
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}
