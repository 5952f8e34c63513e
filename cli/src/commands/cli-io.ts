/** Exit codes of the `tributary` command. */
export const ExitCode = {
  ok: 0,
  /** The job failed, or a connectivity check / control request failed. */
  failed: 1,
  /** Bad usage or a bad pipeline file: nothing ran. */
  usage: 2,
  /** Cancelled by a second Ctrl-C. */
  interrupted: 130,
} as const;

/** Where commands write; tests pass their own. */
export interface CliIo {
  readonly stdout: { readonly isTTY?: boolean | undefined; write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});

/** A usage error: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
