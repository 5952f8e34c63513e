import type { ContractBoundedness, SourceContractContext } from './contract-context.js';

/** The modes a context declares (default bounded), checked against what each mode needs. */
export function contractModes(
  context: SourceContractContext<unknown>,
  path: string,
  exportName: string,
): readonly ContractBoundedness[] {
  const modes = context.boundedness ?? ['bounded'];
  const unknown = modes.filter((m) => m !== 'bounded' && m !== 'unbounded');
  const where = `${path}: export '${exportName}'`;
  if (modes.length === 0 || unknown.length > 0)
    throw new Error(
      `${where}: boundedness must list 'bounded' and/or 'unbounded' (got ${JSON.stringify(modes)})`,
    );
  if (modes.includes('unbounded') && typeof context.appendTestData !== 'function')
    throw new Error(`${where} declares 'unbounded' but has no appendTestData()`);
  return modes;
}
