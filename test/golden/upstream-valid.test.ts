import { describe, expect } from 'vitest';
import { itUpstream, upstreamProblems } from '../helpers/upstream-schemas.js';
import { committedFleets, documentsOf, renderFleet } from '../helpers/trees.js';

/**
 * Every document fleet renders for the default fleet and the examples validates against the
 * upstream schemas (Kubernetes 1.35 and 1.28, Istio, Calico, kustomize), strictly. Without
 * ../shared/schemas these fail in CI and are skipped, with a message, elsewhere.
 */
describe('rendered documents are valid upstream', () => {
  for (const fleet of committedFleets()) {
    itUpstream(fleet.name, () => {
      const documents = documentsOf(renderFleet(fleet).tree!);
      expect(documents.length).toBeGreaterThan(0);
      const problems = documents.flatMap(({ path, doc }) => upstreamProblems(doc).map((p) => `${path}: ${p}`));
      expect(problems).toEqual([]);
    });
  }
});
