import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Test files that replace a module (vi.mock and its kin). Every other file shares its worker's
 * modules with the files run before it (`isolate: false`: cdk8s, ajv and the compiler load once
 * per worker, not once per file); a replaced module would leak into them, so these run isolated.
 * Found from the text, so a new file that mocks cannot land in the shared project by mistake.
 */
const MOCKS_MODULES = /\bvi\.(mock|doMock|unmock|doUnmock)\(/;
const TEST = fileURLToPath(new URL('test', import.meta.url));
const isolated = readdirSync(TEST, { recursive: true, encoding: 'utf8' })
  .filter((path) => path.endsWith('.test.ts') && MOCKS_MODULES.test(readFileSync(join(TEST, path), 'utf8')))
  .map((path) => `test/${path.split('\\').join('/')}`);

/**
 * Where the tests' scratch files go (TMPDIR, which os.tmpdir() reads): a folder of this run's own in
 * memory, /dev/shm, where there is one and TMPDIR is not set. The tests make and remove thousands of
 * small files and folders; on a disk that discards every removal at once (ext4 mounted with online
 * discard, as on the project's machine) that costs about a sixth of the run. test/global-setup.ts
 * makes the folder before the run and removes it after.
 */
const scratch = process.env.TMPDIR === undefined && existsSync('/dev/shm') ? `/dev/shm/fleet-tests-${process.pid}` : undefined;
if (scratch) process.env.FLEET_TEST_SCRATCH = scratch;

export default defineConfig({
  test: {
    // test/setup.ts fails any test that asserts nothing, and any that leaves the working directory or the environment changed.
    setupFiles: ['test/setup.ts'],
    // Builds dist/ first when it is older than src/ (test/global-setup.ts); each project runs it, one after the other, and the first does the work.
    globalSetup: ['test/global-setup.ts'],
    // Two cores: two workers.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The synth cache is off for every `fleet` the tests start, so none writes into node_modules/.cache;
    // test/e2e/cache.test.ts and test/unit/synth-cache.test.ts turn it on with a scratch FLEET_CACHE_DIR.
    // FLEET_TEST_DISK_TMPDIR: the system's own temporary folder, for the one test that needs a write to take time (kill.test.ts).
    env: { FLEET_CACHE: '0', ...(scratch ? { TMPDIR: scratch, FLEET_TEST_DISK_TMPDIR: tmpdir() } : {}) },
    // .ci/run asks for a JSON report to print CI's "N passed, N failed" line.
    reporters: process.env.FLEET_TEST_RESULTS ? ['default', 'json'] : ['default'],
    outputFile: process.env.FLEET_TEST_RESULTS ? { json: process.env.FLEET_TEST_RESULTS } : undefined,
    projects: [
      { extends: true, test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: isolated, isolate: false } },
      ...(isolated.length > 0 ? [{ extends: true as const, test: { name: 'isolated', include: isolated, isolate: true } }] : []),
    ],
  },
});
