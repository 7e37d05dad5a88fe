import { beforeEach, expect } from 'vitest';

// Every test must assert: one that runs no expect() fails ("expected any number of assertion, but
// got none"), so a loop over an empty list or a helper that returns early cannot pass hollow.
beforeEach(() => {
  expect.hasAssertions();
});
