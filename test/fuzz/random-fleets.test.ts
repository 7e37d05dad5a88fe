import fc from 'fast-check';
import { expect, it } from 'vitest';
import { upstreamProblems, upstreamSchemasPresent } from '../helpers/upstream-schemas.js';
import { compileText } from '../helpers/spec.js';
import { documentsOf } from '../helpers/trees.js';
import { fleetSpecs } from './arbitraries.js';

/** Random valid fleets: synth never throws, is deterministic, and renders only valid documents. */
it('synth never throws on valid fleets; output is deterministic and schema-valid', () => {
  let rendered = 0;
  fc.assert(
    fc.property(fleetSpecs, (text) => {
      const first = compileText(text);
      for (const d of first.diagnostics) expect(d.span, `${d.code}: ${d.message}`).toBeDefined();
      if (first.diagnostics.some((d) => d.severity === 'error')) {
        // Only placement may legitimately fail on a valid spec (taints, capacity, bounds).
        for (const d of first.diagnostics.filter((x) => x.severity === 'error')) expect(d.code, d.message).toMatch(/^(placement|traffic)_/);
        return;
      }
      rendered++;
      const second = compileText(text);
      expect([...second.tree!]).toEqual([...first.tree!]);
      if (upstreamSchemasPresent()) {
        const problems = documentsOf(first.tree!).flatMap(({ path, doc }) => upstreamProblems(doc).map((p) => `${path}: ${p}`));
        expect(problems).toEqual([]);
      }
    }),
    { seed: 4242, numRuns: 150 },
  );
  // A fleet that fails placement or a traffic check ends early, as many of these do: enough must render for determinism and validity to be checked.
  expect(rendered).toBeGreaterThan(30);
});
