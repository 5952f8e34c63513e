import { describe, expect, it } from 'vitest';
import { parseTransactionalId } from './kafka-lingering-transactions.js';

describe('parseTransactionalId', () => {
  it('reads prefix, subtask and index of pooled and earlier ids', () => {
    expect(parseTransactionalId('orders-job-3-1', ['orders-job'])).toEqual({
      prefix: 'orders-job',
      subtask: 3,
      index: 1,
    });
    expect(parseTransactionalId('old-0-812', ['new', 'old'])).toEqual({
      prefix: 'old',
      subtask: 0,
      index: 812,
    });
  });

  it('ignores ids of other prefixes, including ones that merely start like it', () => {
    expect(parseTransactionalId('orders-job-x-3-1', ['orders-job'])).toBeUndefined();
    expect(parseTransactionalId('orders-3-1', ['orders-job'])).toBeUndefined();
    expect(parseTransactionalId('orders-job-3', ['orders-job'])).toBeUndefined();
  });
});
