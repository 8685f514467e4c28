import { defineConfig } from 'vitest/config';

// Shared by both projects: tests spawn child processes and share 2 cores, so file-level
// parallelism stays modest; deadlines are generous for a busy machine.
const common = {
  maxWorkers: 3,
  testTimeout: 30_000,
  hookTimeout: 30_000,
};

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    // Finds (or installs) Chromium for the dashboard's browser tests; starts the run's shared
    // throwaway PostgreSQL cluster (fault tests start their own: test/helpers/postgres.ts).
    globalSetup: ['./test/global-setup.ts', './test/helpers/postgres-global-setup.ts'],
    ...common,
    projects: [
      { extends: true, test: { name: 'one-tier', include: ['test/**/*.test.ts'] } },
      {
        // The storage, client and provider suites once more with a shared tier on every test
        // storage (test/helpers/storage.ts): every promise holds with two tiers as with one.
        extends: true,
        test: {
          name: 'two-tier',
          include: ['test/storage/**/*.test.ts', 'test/client/**/*.test.ts', 'test/providers/**/*.test.ts', 'test/analytics/queue-depth-sampler.test.ts'],
          // Already about several machines on one shared tier: once is enough.
          exclude: ['test/storage/two-tier-storage.test.ts', 'test/client/several-machines.test.ts'],
          env: { DATACACHE_TEST_TWO_TIER: '1' },
        },
      },
    ],
  },
});
