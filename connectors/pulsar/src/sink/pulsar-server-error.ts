/**
 * The broker's error code name (`TransactionNotFound`, …) of a client error, else undefined.
 * By name and field, not `instanceof`: two copies of the client package may be loaded.
 */
export function pulsarServerErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'PulsarServerError') return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
