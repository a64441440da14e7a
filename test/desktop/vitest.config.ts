/**
 * The desktop app's tests in a real Electron (`npm run test:desktop`, under xvfb-run in .ci/run):
 * the Electron 25.1.1 test runtime is installed into its cache on first use and the app built
 * when stale (global-setup.ts). One file at a time: each launches Electron and a wallet host.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: resolve(import.meta.dirname, '../..'),
  test: {
    include: ['test/desktop/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/desktop/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    allowOnly: false,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
