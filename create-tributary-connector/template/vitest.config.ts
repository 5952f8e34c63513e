import { defineConfig } from 'vitest/config';

// The contract suites run real jobs (and SIGKILL crash loops): they need minutes, not seconds.
export default defineConfig({
  test: { testTimeout: 180_000, hookTimeout: 600_000 },
});
