/**
 * @tributary/format-raw — raw bytes and UTF-8 strings for message connectors, and plain-text files
 * read and written line by line.
 */
export {
  type RawFormatConfig,
  RawFormatOptions,
  type ResolvedRawFormatOptions,
} from './raw-format-options.js';
export { RawBytesSchema, RawStringSchema } from './raw-schemas.js';
export { RawTextFileFormat, RawTextWriterFormat } from './raw-text-file-format.js';
export { tributaryPlugin } from './tributary-plugin.js';
