import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/setup.ts fails any test that asserts nothing.
    setupFiles: ['test/setup.ts'],
    // The end-to-end and property tests spawn processes and compile schemas; 2 cores are plenty for 2 workers.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The synth cache is off for every `fleet` the tests start, so none writes into node_modules/.cache;
    // test/e2e/cache.test.ts and test/unit/synth-cache.test.ts turn it on with a scratch FLEET_CACHE_DIR.
    env: { FLEET_CACHE: '0' },
    // .ci/run asks for a JSON report to print CI's "N passed, N failed" line.
    reporters: process.env.FLEET_TEST_RESULTS ? ['default', 'json'] : ['default'],
    outputFile: process.env.FLEET_TEST_RESULTS ? { json: process.env.FLEET_TEST_RESULTS } : undefined,
  },
});
