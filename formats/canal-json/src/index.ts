/**
 * @tributary/format-canal-json — Alibaba Canal's flat JSON messages (Flink's `canal-json`) to and
 * from Tributary change records.
 */
export type { ChangeRecord, ChangeSource } from '@tributary/core';
export { CanalJsonDeserializationSchema, type CanalSchema } from './canal-json-deserialization-schema.js';
export {
  type CanalJsonConfig,
  CanalJsonOptions,
  type ResolvedCanalJsonOptions,
} from './canal-json-options.js';
export { CanalJsonSerializationSchema } from './canal-json-serialization-schema.js';
