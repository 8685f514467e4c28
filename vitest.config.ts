import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    // Finds (or installs) Chromium for the dashboard's browser tests; starts the run's shared
    // throwaway PostgreSQL cluster (fault tests start their own: test/helpers/postgres.ts).
    globalSetup: ['./test/global-setup.ts', './test/helpers/postgres-global-setup.ts'],
    // Tests spawn child processes and share 2 cores: keep the file-level parallelism modest.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
