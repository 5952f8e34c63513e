/** Where a problem is in a pipeline file: 1-based line and column. */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

/** One problem in a pipeline file: the file, position, dotted key and what is wrong. */
export interface PipelineProblem {
  readonly file: string;
  readonly position: SourcePosition | undefined;
  /** Dotted key, e.g. `source.options.compression`; empty for the whole file. */
  readonly key: string;
  readonly message: string;
}

/**
 * The pipeline file is wrong (syntax, unknown connector, bad option, missing environment
 * variable). The CLI prints each problem on one line and exits with code 2. Messages never hold
 * option values: they may be secrets from environment variables.
 */
export class PipelineFileError extends Error {
  constructor(readonly problems: readonly PipelineProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'PipelineFileError';
  }
}

/** `pipeline.yaml:12:5: source.options.compression: Invalid option: expected one of ...` */
export function formatProblem(problem: PipelineProblem): string {
  const where = problem.position
    ? `${problem.file}:${problem.position.line}:${problem.position.col}`
    : problem.file;
  return problem.key ? `${where}: ${problem.key}: ${problem.message}` : `${where}: ${problem.message}`;
}
