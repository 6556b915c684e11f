import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: real Chromium against the app and the emulator on loopback. One file at a time:
// each drives a browser, and this machine is shared with other test runs.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
