import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Builds dist/ before any test runs when src/ (or what else it is made from) is newer
 * (scripts/build-if-stale.mjs): the tests that start bin/fleet.js run dist/, which must be the
 * current source's, also under a bare `npx vitest run`. Makes the scratch folder vitest.config.ts
 * names for the run (TMPDIR), and removes it after.
 */
export default function prepareTestRun(): () => void {
  // Every project of vitest.config.ts runs this, one after the other, in vitest's own process: the first does the work.
  if (process.env.FLEET_TEST_PREPARED) return () => {};
  const scratch = process.env.FLEET_TEST_SCRATCH;
  if (scratch) mkdirSync(scratch, { recursive: true });
  const script = fileURLToPath(new URL('../scripts/build-if-stale.mjs', import.meta.url));
  const { status } = spawnSync(process.execPath, [script, '--quiet'], { stdio: 'inherit' });
  if (status !== 0) throw new Error('building dist/ failed (see above): the tests that start bin/fleet.js need it');
  process.env.FLEET_TEST_PREPARED = '1';
  return () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  };
}
