import type { z } from 'zod';
import type { KeyPath, PipelineDocument } from './pipeline-document.js';
import type { PipelineProblem } from './pipeline-error.js';

/**
 * Turns zod issues of the value at `base` into problems with positions. Messages name the key and
 * the allowed values, never the value given (it may be a secret).
 */
export function problemsFromIssues(
  doc: PipelineDocument,
  base: KeyPath,
  issues: readonly z.core.$ZodIssue[],
  allowedKeys?: (path: KeyPath) => readonly string[] | undefined,
): PipelineProblem[] {
  const problems: PipelineProblem[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const allowed = allowedKeys?.(path);
        problems.push({
          file: doc.file,
          position: doc.positionOf(path, key),
          key: [...path, key].join('.'),
          message: `unknown option${allowed ? `; allowed: ${allowed.join(', ')}` : ''}`,
        });
      }
      continue;
    }
    problems.push({
      file: doc.file,
      position: doc.positionOf(path),
      key: path.join('.'),
      message: messageOf(issue, doc.has(path)),
    });
  }
  return problems;
}

function messageOf(issue: z.core.$ZodIssue, present: boolean): string {
  if (issue.code === 'invalid_type' && !present) return `is required (${issue.expected})`;
  if (issue.code === 'invalid_union') {
    // The branch that got furthest explains best; else list what each branch expected.
    const branches = issue.errors.map((errs) => errs.map((e) => messageOf(e, present)));
    const expected = branches.flat().filter((m) => m.startsWith('Invalid input: expected'));
    if (expected.length > 0) {
      const types = [...new Set(expected.map((m) => m.replace(/^Invalid input: expected (\S+).*$/, '$1')))];
      return `Invalid input: expected ${types.join(' or ')}`;
    }
    return issue.message;
  }
  return issue.message;
}
