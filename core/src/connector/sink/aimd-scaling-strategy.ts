import { CoreErrorCodes } from '../../errors/error-codes.js';
import { TributaryError } from '../../errors/tributary-error.js';
import type { ScalingStrategy } from './rate-limiting-strategy.js';

/** Settings of {@link AIMDScalingStrategy}. */
export interface AIMDScalingStrategyOptions {
  /** Added to the rate after each fully successful request. Default 10 (as in Flink). */
  readonly increaseRate?: number;
  /** The rate is multiplied by this after a request with failures, in (0, 1). Default 0.5. */
  readonly decreaseFactor?: number;
  /** The rate never grows beyond this (≥ 1). */
  readonly rateThreshold: number;
}

/**
 * Additive increase, multiplicative decrease: the congestion control of TCP, used to find how
 * much a throttling service (Kinesis shards, an overloaded Elasticsearch cluster) accepts.
 * Grows linearly while requests succeed and halves (by default) as soon as one has failures,
 * never below 1 so the writer always makes progress.
 * See https://en.wikipedia.org/wiki/Additive_increase/multiplicative_decrease.
 */
export class AIMDScalingStrategy implements ScalingStrategy {
  readonly increaseRate: number;
  readonly decreaseFactor: number;
  readonly rateThreshold: number;

  constructor(options: AIMDScalingStrategyOptions) {
    this.increaseRate = options.increaseRate ?? 10;
    this.decreaseFactor = options.decreaseFactor ?? 0.5;
    this.rateThreshold = options.rateThreshold;
    const bad = (key: string, rule: string) =>
      new TributaryError(CoreErrorCodes.INVALID_OPTIONS, `AIMDScalingStrategy ${key} ${rule}`, {
        context: { key },
      });
    if (!Number.isInteger(this.increaseRate) || this.increaseRate < 1) {
      throw bad('increaseRate', 'must be a positive integer');
    }
    if (!(this.decreaseFactor > 0 && this.decreaseFactor < 1)) {
      throw bad('decreaseFactor', 'must be between 0 and 1 (exclusive)');
    }
    if (!Number.isInteger(this.rateThreshold) || this.rateThreshold < 1) {
      throw bad('rateThreshold', 'must be a positive integer');
    }
  }

  scaleUp(currentRate: number): number {
    return Math.min(currentRate + this.increaseRate, this.rateThreshold);
  }

  scaleDown(currentRate: number): number {
    // floor (not round) so that every failure really shrinks the rate, down to 1.
    return Math.max(1, Math.floor(currentRate * this.decreaseFactor));
  }
}
