import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** `npm run screenshots` only; vitest.config.ts (the tests and CI) never includes scripts/. */
// eslint-disable-next-line no-restricted-syntax -- vitest reads a config's default export
export default defineConfig({
  root: join(import.meta.dirname, '..', '..'),
  test: {
    include: ['scripts/screenshots/*.run.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    hookTimeout: 120_000,
  },
});
