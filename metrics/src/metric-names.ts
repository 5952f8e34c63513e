/**
 * How registry names map to exported names. Flink's names are kept verbatim (camelCase) after a
 * prefix so dashboards and alerts written for Flink stay recognisable:
 *
 * | registry        | Prometheus                       | OpenTelemetry                      |
 * | --------------- | -------------------------------- | ---------------------------------- |
 * | counter `numRecordsIn` | `tributary_numRecordsIn_total` (counter) | `tributary.numRecordsIn` (sum) |
 * | its rate        | `tributary_numRecordsInPerSecond` (gauge) | `tributary.numRecordsInPerSecond` |
 * | gauge `pendingRecords` | `tributary_pendingRecords` (gauge) | `tributary.pendingRecords` |
 *
 * `_total` follows the Prometheus convention for counters (so `rate()` works as users expect);
 * `PerSecond` is Flink's own meter suffix (`numRecordsInPerSecond`).
 */

const PROM_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Replaces characters Prometheus does not allow in metric names. */
export function sanitizePrometheusName(name: string): string {
  if (PROM_NAME.test(name)) return name;
  const cleaned = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

/** Replaces characters Prometheus does not allow in label names (no `:`; `__` is reserved). */
export function sanitizePrometheusLabel(name: string): string {
  let cleaned = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(cleaned)) cleaned = `_${cleaned}`;
  if (cleaned.startsWith('__')) cleaned = `x${cleaned}`;
  return cleaned === '' ? '_' : cleaned;
}

/** The Prometheus name of a registry counter (`tributary_numRecordsIn_total`). */
export function prometheusCounterName(prefix: string, name: string): string {
  return sanitizePrometheusName(`${prefix}${name}_total`);
}

/** The Prometheus name of a registry gauge (`tributary_pendingRecords`). */
export function prometheusGaugeName(prefix: string, name: string): string {
  return sanitizePrometheusName(`${prefix}${name}`);
}

/** The Prometheus name of a counter's per-second rate (`tributary_numRecordsInPerSecond`). */
export function prometheusRateName(prefix: string, name: string): string {
  return sanitizePrometheusName(`${prefix}${name}PerSecond`);
}

const OTEL_NAME = /^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/;

/** Replaces characters OpenTelemetry does not allow in instrument names. */
export function sanitizeOtelName(name: string): string {
  if (OTEL_NAME.test(name)) return name;
  const cleaned = name.replace(/[^A-Za-z0-9_.\-/]/g, '_').slice(0, 255);
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `m${cleaned}`.slice(0, 255);
}

/** The OpenTelemetry instrument name of a registry metric (`tributary.numRecordsIn`). */
export function otelName(prefix: string, name: string): string {
  return sanitizeOtelName(`${prefix}${name}`);
}

/** The OpenTelemetry instrument name of a counter's per-second rate. */
export function otelRateName(prefix: string, name: string): string {
  return sanitizeOtelName(`${prefix}${name}PerSecond`);
}
