import { CoreErrorCodes } from '../../errors/error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import { AIMDScalingStrategy } from './aimd-scaling-strategy.js';
import type { AsyncSinkWriterConfiguration } from './async-sink-writer-options.js';
import type {
  RateLimitingStrategy,
  RequestInfo,
  ResultInfo,
  ScalingStrategy,
} from './rate-limiting-strategy.js';

/** Settings of {@link CongestionControlRateLimitingStrategy}. */
export interface CongestionControlRateLimitingStrategyOptions {
  /** Requests allowed in flight at once. */
  readonly maxInFlightRequests: number;
  /** The starting limit on entries in flight (summed over requests); usually `maxBatchSize`. */
  readonly initialMaxInFlightMessages: number;
  /** How the limit on entries in flight moves; usually an {@link AIMDScalingStrategy}. */
  readonly scalingStrategy: ScalingStrategy;
}

/**
 * Limits requests in flight and, through a congestion window, entries in flight (Flink's
 * `CongestionControlRateLimitingStrategy`). The window grows with the scaling strategy after each
 * request that fully succeeded and shrinks after each request with failed entries; because the
 * window is also the largest batch ({@link getMaxBatchSize}), batches shrink under throttling and
 * grow back once the service keeps up.
 */
export class CongestionControlRateLimitingStrategy implements RateLimitingStrategy {
  private readonly maxInFlightRequests: number;
  private readonly scalingStrategy: ScalingStrategy;
  private maxInFlightMessages: number;
  private currentInFlightRequests = 0;
  private currentInFlightMessages = 0;

  constructor(options: CongestionControlRateLimitingStrategyOptions) {
    for (const key of ['maxInFlightRequests', 'initialMaxInFlightMessages'] as const) {
      if (!Number.isInteger(options[key]) || options[key] < 1) {
        throw new TributaryError(
          CoreErrorCodes.INVALID_OPTIONS,
          `CongestionControlRateLimitingStrategy ${key} must be a positive integer`,
          { context: { key } },
        );
      }
    }
    this.maxInFlightRequests = options.maxInFlightRequests;
    this.maxInFlightMessages = options.initialMaxInFlightMessages;
    this.scalingStrategy = options.scalingStrategy;
  }

  registerInFlightRequest(request: RequestInfo): void {
    this.currentInFlightRequests++;
    this.currentInFlightMessages += request.batchSize;
  }

  registerCompletedRequest(result: ResultInfo): void {
    this.currentInFlightRequests = Math.max(0, this.currentInFlightRequests - 1);
    this.currentInFlightMessages = Math.max(0, this.currentInFlightMessages - result.batchSize);
    this.maxInFlightMessages =
      result.failedMessages > 0
        ? this.scalingStrategy.scaleDown(this.maxInFlightMessages)
        : this.scalingStrategy.scaleUp(this.maxInFlightMessages);
  }

  shouldBlock(request: RequestInfo): boolean {
    return (
      this.currentInFlightRequests >= this.maxInFlightRequests ||
      this.currentInFlightMessages + request.batchSize > this.maxInFlightMessages
    );
  }

  getMaxBatchSize(): number {
    return this.maxInFlightMessages;
  }
}

/**
 * The strategy a writer uses unless given another, as in Flink: the window starts at one full
 * batch (`maxBatchSize`) and may grow (+10 per successful request) to `maxBatchSize ×
 * maxInFlightRequests`; each request with failures halves it.
 */
export function defaultRateLimitingStrategy(
  config: Pick<AsyncSinkWriterConfiguration, 'maxBatchSize' | 'maxInFlightRequests'>,
): CongestionControlRateLimitingStrategy {
  return new CongestionControlRateLimitingStrategy({
    maxInFlightRequests: config.maxInFlightRequests,
    initialMaxInFlightMessages: config.maxBatchSize,
    scalingStrategy: new AIMDScalingStrategy({
      rateThreshold: config.maxBatchSize * config.maxInFlightRequests,
    }),
  });
}
