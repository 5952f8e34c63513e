import type { z } from 'zod';
import type {
  DeserializationSchema,
  FileFormat,
  FileWriterFormat,
  SerializationSchema,
} from '../api/format.js';
import type { Sink } from '../api/sink.js';
import type { AnySource } from '../api/source.js';
import type { OptionsSchema } from '../config/options.js';

/**
 * What a connector or format package exports as `tributaryPlugin` so that declarative pipelines
 * (the `tributary` command, `@tributary/cli`) can use it without code. A package announces it in
 * its package.json with `"tributary": { "plugin": "connector" | "format" }`; the CLI imports the
 * package and reads this export. Option schemas are the package's own `defineOptions` schemas,
 * so a pipeline file is validated exactly like a TypeScript pipeline.
 */
export interface TributaryPlugin {
  /** Name used in pipeline files (`connector: files`, `format: csv`). */
  readonly name: string;
  /** One line for `tributary connectors`. */
  readonly description: string;
  readonly source?: SourcePlugin;
  readonly sink?: SinkPlugin;
  readonly format?: FormatPlugin;
}

/** What kind of format a connector needs: file readers/writers, message (de)serializers, none. */
export type PluginFormatKind = 'file' | 'message' | 'none';

/** A format resolved from a pipeline file, handed to a connector's factory. */
export interface ResolvedPluginFormat {
  readonly name: string;
  readonly fileReader?: FileFormat<unknown>;
  readonly fileWriter?: FileWriterFormat<unknown>;
  readonly deserializer?: DeserializationSchema<unknown>;
  readonly serializer?: SerializationSchema<unknown>;
}

/** The source side of a connector plugin. */
export interface SourcePlugin {
  /** Every key a pipeline file's `source.options` may hold (connection, reader and connector keys). */
  readonly options: OptionsSchema<z.ZodType>;
  readonly format: PluginFormatKind;
  /** One line for `tributary connectors`, e.g. `exactly-once (replayable, positions in checkpoints)`. */
  readonly guarantee: string;
  /** Builds the source from validated options (the output of `options.parse`). */
  create(options: unknown, format: ResolvedPluginFormat | undefined): AnySource<unknown>;
  /**
   * `tributary validate`: checks connectivity (reachable, exists, credentials); throws a clear
   * error. May return one line of what it found (`table orders: 5 columns`), printed after `reachable`.
   */
  check?(options: unknown): Promise<string | undefined>;
}

/** The sink side of a connector plugin. */
export interface SinkPlugin {
  readonly options: OptionsSchema<z.ZodType>;
  readonly format: PluginFormatKind;
  readonly guarantee: string;
  create(options: unknown, format: ResolvedPluginFormat | undefined): Sink<unknown>;
  /** As {@link SourcePlugin.check}. */
  check?(options: unknown): Promise<string | undefined>;
}

/** A format plugin: builds the format's objects from its validated options. */
export interface FormatPlugin {
  readonly options: OptionsSchema<z.ZodType>;
  fileReader?(options: unknown): FileFormat<unknown>;
  fileWriter?(options: unknown): FileWriterFormat<unknown>;
  deserializer?(options: unknown): DeserializationSchema<unknown>;
  serializer?(options: unknown): SerializationSchema<unknown>;
}
