import { afterEach, beforeEach, expect } from 'vitest';

// Every test must assert: one that runs no expect() fails ("expected any number of assertion, but
// got none"), so a loop over an empty list or a helper that returns early cannot pass hollow.
beforeEach(() => {
  expect.hasAssertions();
});

// Test files share their worker's modules and process (vitest.config.ts, `isolate: false`): a test
// that leaves the working directory or an environment variable changed would change the tests
// after it, in this file and in the next ones. It fails instead (restore in its own afterEach or
// a finally; this hook runs after the file's own).
const cwd = process.cwd();
const env = { ...process.env };
afterEach(() => {
  const leftCwd = process.cwd();
  process.chdir(cwd);
  const changed = [...new Set([...Object.keys(env), ...Object.keys(process.env)])].filter((key) => env[key] !== process.env[key]);
  for (const key of changed) {
    if (env[key] === undefined) delete process.env[key];
    else process.env[key] = env[key];
  }
  if (changed.length > 0) throw new Error(`the test left environment variables changed: ${changed.join(', ')}`);
  if (leftCwd !== cwd) throw new Error(`the test left the working directory at ${leftCwd}, not ${cwd}`);
});
