import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and a real browser: two cores, so keep it modest.
    maxWorkers: 2,
    allowOnly: false,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
