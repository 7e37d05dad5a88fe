import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The end-to-end and property tests spawn processes and compile schemas; 2 cores are plenty for 2 workers.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // .ci/run asks for a JSON report to print CI's "N passed, N failed" line.
    reporters: process.env.FLEET_TEST_RESULTS ? ['default', 'json'] : ['default'],
    outputFile: process.env.FLEET_TEST_RESULTS ? { json: process.env.FLEET_TEST_RESULTS } : undefined,
  },
});
