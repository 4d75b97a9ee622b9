import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 90_000,
    pool: 'forks',
    maxWorkers: 2,
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
          fileParallelism: false,
          testTimeout: 60_000,
        },
      },
    ],
  },
});
