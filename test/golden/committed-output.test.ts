import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTree, isClean, writeTree } from '../../src/cli/output-folder.js';
import { committedFleets, renderFleet, ROOT } from '../helpers/trees.js';

/**
 * Golden files: the default fleet's out/ and every example's out/ are exactly what fleet renders
 * today (the same check as `fleet synth --check`). Refresh with UPDATE_GOLDEN=1 (never in CI), then
 * review the diff like any other change.
 */
const update = process.env.UPDATE_GOLDEN === '1' && !process.env.CI;

describe('committed output is current', () => {
  for (const fleet of committedFleets()) {
    it(fleet.name, async () => {
      const result = renderFleet(fleet);
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const outDir = join(ROOT, fleet.out);
      if (update) await writeTree(outDir, result.tree!);
      const difference = compareTree(outDir, result.tree!);
      expect(difference, `${fleet.out}/ differs from what ${fleet.spec} renders; run UPDATE_GOLDEN=1 npx vitest run test/golden`).toEqual({ changed: [], added: [], stale: [], conflicts: [], clashes: [] });
      expect(isClean(difference)).toBe(true);
    });
  }
});
