import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The desktop app's tests need a display and the Electron test runtime: npm run test:desktop.
    exclude: ['**/node_modules/**', 'test/desktop/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and a real browser: two cores, so keep it modest.
    maxWorkers: 2,
    allowOnly: false,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
