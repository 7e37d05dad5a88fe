import fc from 'fast-check';
import { expect, it } from 'vitest';
import { compileText } from '../helpers/spec.js';
import { documentsOf } from '../helpers/trees.js';
import { fleetSpecs } from './arbitraries.js';

/**
 * The plan is the truth: for any fleet, the plan (`fleet plan --format json`, the lock) gives, per
 * app and cluster, exactly the replicas of the Deployments (StatefulSets) rendered there (summed over versions),
 * overrides included; and each Deployment runs exactly the image the plan says.
 */
it('plan replicas and images are those of the rendered workloads', () => {
  let rendered = 0;
  fc.assert(
    fc.property(fleetSpecs, (text) => {
      const result = compileText(text);
      if (!result.tree) return;
      rendered++;
      const fromOutput = new Map<string, number>();
      const images = new Map<string, string>();
      for (const { path, doc: object } of documentsOf(result.tree)) {
        // A stateful app's workloads are StatefulSets, named and split like Deployments.
        if (object.kind !== 'Deployment' && object.kind !== 'StatefulSet') continue;
        const doc = object as unknown as RenderedDeployment;
        const cluster = path.split('/')[0];
        const key = `${doc.metadata.namespace}/${doc.metadata.labels.app}@${cluster}`;
        fromOutput.set(key, (fromOutput.get(key) ?? 0) + doc.spec.replicas);
        images.set(`${cluster}/${doc.metadata.namespace}/${doc.metadata.name}`, doc.spec.template.spec.containers[0].image);
      }
      const fromPlan = new Map<string, number>();
      const plannedImages = new Map<string, string>();
      for (const app of result.plan!.apps) {
        for (const [cluster, workload] of Object.entries(app.workloads)) {
          fromPlan.set(`${app.namespace}/${app.name}@${cluster}`, workload.replicas);
          expect(workload.replicas, `${app.name}@${cluster}: plan clusters and workloads agree`).toBe(app.clusters[cluster] ?? 0);
          for (const d of workload.deployments) plannedImages.set(`${cluster}/${app.namespace}/${d.name}`, d.image);
        }
      }
      expect(Object.fromEntries(fromOutput)).toEqual(Object.fromEntries(fromPlan));
      expect(Object.fromEntries(images)).toEqual(Object.fromEntries(plannedImages));
    }),
    { seed: 1515, numRuns: 120 },
  );
  expect(rendered).toBeGreaterThan(20);
});

interface RenderedDeployment {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
}
