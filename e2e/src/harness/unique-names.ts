import { randomBytes } from 'node:crypto';

let counter = 0;

/**
 * A name no other test (in this run, a parallel run, or an earlier run against a reused service)
 * has used: `<prefix>-<time36>-<pid36>-<counter>-<random>`. `separator` lets SQL identifiers use
 * `_`; the result is lowercase so it is valid for Elasticsearch indices too.
 */
export function uniqueName(prefix: string, separator: '-' | '_' = '-'): string {
  counter++;
  const parts = [
    prefix.toLowerCase().replace(/[^a-z0-9]+/g, separator),
    Date.now().toString(36),
    process.pid.toString(36),
    counter.toString(36),
    randomBytes(3).toString('hex'),
  ];
  return parts.join(separator);
}
