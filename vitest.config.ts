import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    maxWorkers: 2,
    // Real servers, real Prometheus and Chromium share two cores: one retry keeps a timing blip from failing CI.
    // A retried test is still reported, and a test that fails twice fails the run.
    retry: 1,
    projects: [
      {
        extends: true,
        test: { name: 'shared', include: ['test/shared/**/*.test.ts', 'test/renderer/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'main', include: ['test/main/**/*.test.ts', 'test/hardening/**/*.test.ts'] },
      },
      // Browser flows share two cores with Chromium: one file at a time.
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          setupFiles: ['test/e2e/page-problems.setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
        },
      },
    ],
  },
});
