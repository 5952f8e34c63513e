import { z } from 'zod';
import type { InstalledPlugin } from '../plugins/discover-plugins.js';
import { pipelineFileSchema } from './pipeline-schema.js';

type JsonSchema = Record<string, unknown>;

const toJson = (schema: z.ZodType): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
};

/**
 * A JSON Schema of pipeline files for the installed connectors and formats (editor completion:
 * `# yaml-language-server: $schema=pipeline.schema.json`). Source and sink options are typed per
 * connector, formats per format, job options by core's schema.
 */
export function pipelineJsonSchema(plugins: readonly InstalledPlugin[]): JsonSchema {
  const base = toJson(pipelineFileSchema);
  const properties = { ...(base.properties as Record<string, JsonSchema>) };
  const formats = plugins.filter((p) => p.plugin.format);
  const formatSchema: JsonSchema = {
    anyOf: [
      { type: 'string', enum: formats.map((p) => p.plugin.name) },
      ...formats.map((p) => {
        const options = toJson(p.plugin.format?.options.schema as z.ZodType);
        return {
          type: 'object',
          properties: { type: { const: p.plugin.name }, ...(options.properties as object) },
          required: ['type'],
          additionalProperties: false,
          description: p.plugin.description,
        };
      }),
    ],
  };
  for (const side of ['source', 'sink'] as const) {
    const connectors = plugins.filter((p) => p.plugin[side]);
    properties[side] = {
      description: (properties[side] as JsonSchema | undefined)?.description,
      anyOf: connectors.map((p) => ({
        type: 'object',
        properties: {
          connector: { const: p.plugin.name, description: p.plugin.description },
          name: { type: 'string' },
          format: formatSchema,
          options: toJson(p.plugin[side]?.options.schema as z.ZodType),
        },
        required: ['connector'],
        additionalProperties: false,
      })),
    };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Tributary pipeline file',
    ...base,
    properties,
  };
}
