import { describe, expect, it } from 'vitest';
import { haveUpstreamSchemas, SKIP_MESSAGE, upstreamProblems } from '../helpers/upstream-schemas.js';
import { committedFleets, documentsOf, renderFleet } from '../helpers/trees.js';

/**
 * Every document fleet renders for the default fleet and the examples validates against the
 * upstream schemas (Kubernetes 1.35 and 1.28, Istio, Calico, kustomize), strictly.
 */
describe.skipIf(!haveUpstreamSchemas)('rendered documents are valid upstream', () => {
  for (const fleet of committedFleets()) {
    it(fleet.name, () => {
      const documents = documentsOf(renderFleet(fleet).tree!);
      expect(documents.length).toBeGreaterThan(0);
      const problems = documents.flatMap(({ path, doc }) => upstreamProblems(doc).map((p) => `${path}: ${p}`));
      expect(problems).toEqual([]);
    });
  }
});

it.runIf(!haveUpstreamSchemas)('upstream schema checks', () => {
  console.warn(SKIP_MESSAGE);
});
