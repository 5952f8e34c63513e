/**
 * `@tributary/e2e/contract` — kept for existing imports: the contract suites live in
 * `@tributary/connector-testkit` (a lean package without the service harness's clients).
 */
export * from '@tributary/connector-testkit';
