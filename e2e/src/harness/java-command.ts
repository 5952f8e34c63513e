import { realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** The `java` to run local JVM services with: `TRIBUTARY_JAVA`, else `$JAVA_HOME/bin/java`, else `java`. */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TRIBUTARY_JAVA !== undefined && env.TRIBUTARY_JAVA !== '') return env.TRIBUTARY_JAVA;
  if (env.JAVA_HOME !== undefined && env.JAVA_HOME !== '') return join(env.JAVA_HOME, 'bin', 'java');
  return 'java';
}

/**
 * The Java home directory (for tools that want one, like Elasticsearch's `ES_JAVA_HOME`):
 * `JAVA_HOME`, else the directory above `bin/java` of {@link javaCommand} resolved on `PATH`
 * through symlinks (`/usr/bin/java` → `/usr/lib/jvm/<jdk>/bin/java`).
 */
export function javaHome(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.JAVA_HOME !== undefined && env.JAVA_HOME !== '') return env.JAVA_HOME;
  const command = javaCommand(env);
  const candidates = command.includes('/')
    ? [command]
    : (env.PATH ?? '').split(delimiter).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      return dirname(dirname(realpathSync(candidate)));
    } catch {
      // Not in this PATH entry.
    }
  }
  return undefined;
}

/** Extra JVM flags from an env var (`TRIBUTARY_KAFKA_JAVA_OPTS` ...), split on whitespace. */
export function extraJavaOptions(variable: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const value = env[variable];
  return value === undefined ? [] : value.split(/\s+/).filter((part) => part !== '');
}
