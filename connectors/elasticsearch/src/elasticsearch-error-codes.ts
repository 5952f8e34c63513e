/** Stable error codes raised by `@tributary/connector-elasticsearch`. Classify with `hasErrorCode`. */
export const ElasticsearchErrorCodes = {
  /** A whole request failed (connection refused, timeout, 5xx, 429); context names the operation. */
  REQUEST_FAILED: 'TRIB_ES_REQUEST_FAILED',
  /** Credentials were refused (401) or lack a privilege (403 on the whole request). Never carries the credentials. */
  AUTH_FAILED: 'TRIB_ES_AUTH_FAILED',
  /** A bulk item was refused for good (mapping conflict, write block, too large, version conflict with `fail`). */
  ITEM_REJECTED: 'TRIB_ES_ITEM_REJECTED',
  /** A record could not be turned into a bulk action (missing id field, bad index template value). */
  CONVERSION_FAILED: 'TRIB_ES_CONVERSION_FAILED',
  /** A point in time expired or vanished while a slice was read (the slice restarts from its position). */
  PIT_EXPIRED: 'TRIB_ES_PIT_EXPIRED',
} as const;

/** One of {@link ElasticsearchErrorCodes}. */
export type ElasticsearchErrorCode = (typeof ElasticsearchErrorCodes)[keyof typeof ElasticsearchErrorCodes];
