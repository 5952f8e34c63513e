/**
 * Rate limiting of an async sink (Flink's `RateLimitingStrategy`, FLIP-242). The writer asks the
 * strategy, before every request, how large a batch may be and whether to wait; it reports every
 * request it starts and every result. All calls come from the writer on one event loop, so an
 * implementation needs no synchronisation, but it must be cheap: it runs once per request.
 */
export interface RateLimitingStrategy {
  /** A request of `request.batchSize` entries was just sent. */
  registerInFlightRequest(request: RequestInfo): void;
  /** A request completed; `result.failedMessages` of its entries must be retried. */
  registerCompletedRequest(result: ResultInfo): void;
  /**
   * True when sending `request` now would exceed the current limits: the writer waits for a
   * request to complete. Ignored while nothing is in flight, so a strategy can never stall a writer.
   */
  shouldBlock(request: RequestInfo): boolean;
  /** Most entries the next request may carry (the writer also applies `maxBatchSize`). */
  getMaxBatchSize(): number;
}

/** A request the writer is about to send or has sent. */
export interface RequestInfo {
  readonly batchSize: number;
}

/** The outcome of one request. A thrown request counts as all of its entries failed. */
export interface ResultInfo {
  readonly batchSize: number;
  readonly failedMessages: number;
}

/** How a rate grows after success and shrinks after failure (Flink's `ScalingStrategy`). */
export interface ScalingStrategy {
  scaleUp(currentRate: number): number;
  scaleDown(currentRate: number): number;
}
