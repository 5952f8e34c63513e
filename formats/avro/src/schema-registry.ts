import { TributaryError } from '@tributary/core';
import type { AvroSchema } from './avro-format-options.js';

/**
 * The two Schema Registry calls the Confluent wire format needs. Implement it over your registry's
 * HTTP API (Confluent, Apicurio in Confluent-compatible mode, Redpanda) or use
 * {@link InMemorySchemaRegistry}. Errors should be `TributaryError`s with `retriable` set for
 * transient failures; lookups are retried with core's `retry()`.
 */
export interface SchemaRegistryClient {
  /** The writer schema registered under a global id (`GET /schemas/ids/{id}`). */
  getSchemaById(id: number): Promise<AvroSchema>;
  /** The id of `schema` under `subject`, registering it when absent (`POST /subjects/{subject}/versions`). */
  getIdForSchema(subject: string, schema: AvroSchema): Promise<number>;
}

/** Error codes of the Avro format package. */
export const AvroErrorCodes = {
  /** A schema id is not known to the registry. */
  SCHEMA_NOT_FOUND: 'TRIB_AVRO_SCHEMA_NOT_FOUND',
  /** `deserialize` met a schema id that `prepare()` did not load for this batch. */
  SCHEMA_NOT_LOADED: 'TRIB_AVRO_SCHEMA_NOT_LOADED',
} as const;

/**
 * A {@link SchemaRegistryClient} in memory: ids are assigned in registration order from 1, the same
 * schema text under a subject keeps its id (like the real registry). For tests and local pipelines.
 */
export class InMemorySchemaRegistry implements SchemaRegistryClient {
  private readonly byId = new Map<number, AvroSchema>();
  private readonly idByText = new Map<string, number>();
  private readonly subjects = new Map<string, number[]>();
  private nextId = 1;

  async getSchemaById(id: number): Promise<AvroSchema> {
    const schema = this.byId.get(id);
    if (schema === undefined) {
      throw new TributaryError(AvroErrorCodes.SCHEMA_NOT_FOUND, `Schema id ${id} is not registered`, {
        context: { schemaId: id },
      });
    }
    return schema;
  }

  async getIdForSchema(subject: string, schema: AvroSchema): Promise<number> {
    const text = typeof schema === 'string' ? schema : JSON.stringify(schema);
    let id = this.idByText.get(text);
    if (id === undefined) {
      id = this.nextId++;
      this.idByText.set(text, id);
      this.byId.set(id, schema);
    }
    const versions = this.subjects.get(subject) ?? [];
    if (!versions.includes(id)) versions.push(id);
    this.subjects.set(subject, versions);
    return id;
  }

  /** Ids registered under a subject, oldest first. */
  versions(subject: string): readonly number[] {
    return this.subjects.get(subject) ?? [];
  }
}
