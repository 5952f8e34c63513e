/** Stable error codes raised by the `@tributary/e2e` service harness. */
export const E2eErrorCodes = {
  /** A service name that the harness does not know. */
  UNKNOWN_SERVICE: 'TRIB_E2E_UNKNOWN_SERVICE',
  /** The requested backend cannot run here (e.g. testcontainers without a Docker engine). */
  BACKEND_UNAVAILABLE: 'TRIB_E2E_BACKEND_UNAVAILABLE',
  /** A service process exited or failed before it became ready; the message holds the log tail. */
  SERVICE_START_FAILED: 'TRIB_E2E_SERVICE_START_FAILED',
  /** A readiness probe did not succeed before its deadline. */
  READINESS_TIMEOUT: 'TRIB_E2E_READINESS_TIMEOUT',
  /** Maven could not resolve the artifacts a local JVM service needs. */
  ARTIFACT_FETCH_FAILED: 'TRIB_E2E_ARTIFACT_FETCH_FAILED',
  /** Another process held a service lock longer than the wait allowed. */
  LOCK_TIMEOUT: 'TRIB_E2E_LOCK_TIMEOUT',
  /** A database server's binaries are missing and cannot be installed, or a command around it failed. */
  SYSTEM_SERVICE_FAILED: 'TRIB_E2E_SYSTEM_SERVICE_FAILED',
  /** A helper (create topic, index, database, stream) failed against a running service. */
  SERVICE_REQUEST_FAILED: 'TRIB_E2E_SERVICE_REQUEST_FAILED',
  /** Server settings for a private instance that cannot be used (bad name or value, harness-owned key). */
  INVALID_SETTINGS: 'TRIB_E2E_INVALID_SETTINGS',
  /** `kill()` / `restart()` on a shared server: only a private instance may be disturbed. */
  PRIVATE_INSTANCE_REQUIRED: 'TRIB_E2E_PRIVATE_INSTANCE_REQUIRED',
  /** A service's client library (an optional peer dependency, e.g. kafkajs) is not installed. */
  MISSING_PEER: 'TRIB_E2E_MISSING_PEER',
  /** No system Chromium for a browser test (install Debian's `chromium` or set `TRIBUTARY_CHROMIUM`). */
  BROWSER_NOT_FOUND: 'TRIB_E2E_BROWSER_NOT_FOUND',
} as const;

/** One of the {@link E2eErrorCodes}. */
export type E2eErrorCode = (typeof E2eErrorCodes)[keyof typeof E2eErrorCodes];
