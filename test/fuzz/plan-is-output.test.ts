import fc from 'fast-check';
import { expect, it } from 'vitest';
import { compileText } from '../helpers/spec.js';
import { documentsOf } from '../helpers/trees.js';
import { fleetSpecs } from './arbitraries.js';

/**
 * The plan is the truth: for any fleet, the plan (`fleet plan --format json`, the lock) gives, per
 * app and cluster, exactly the replicas of the Deployments (StatefulSets) rendered there (summed
 * over versions), overrides included; and each Deployment runs exactly the image the plan says. A
 * workload the plan gives an autoscaler is rendered without `replicas` (the autoscaler owns the
 * count, docs/spec.md "Autoscaling"), and its HorizontalPodAutoscaler has the plan's bounds.
 */
it('plan replicas and images are those of the rendered workloads', () => {
  let rendered = 0;
  fc.assert(
    fc.property(fleetSpecs, (text) => {
      const result = compileText(text);
      if (!result.tree) return;
      rendered++;
      const fromOutput = new Map<string, string>();
      const images = new Map<string, string>();
      const autoscalers = new Map<string, string>();
      for (const { path, doc: object } of documentsOf(result.tree)) {
        const cluster = path.split('/')[0];
        const doc = object as unknown as RenderedWorkload;
        if (object.kind === 'HorizontalPodAutoscaler') autoscalers.set(`${cluster}/${doc.metadata.namespace}/${doc.metadata.name}`, `${doc.spec.minReplicas}-${doc.spec.maxReplicas}`);
        // A stateful app's workloads are StatefulSets, named and split like Deployments.
        if (object.kind !== 'Deployment' && object.kind !== 'StatefulSet') continue;
        const workload = `${cluster}/${doc.metadata.namespace}/${doc.metadata.name}`;
        fromOutput.set(workload, doc.spec.replicas === undefined ? 'autoscaled' : String(doc.spec.replicas));
        images.set(workload, doc.spec.template.spec.containers[0].image);
      }
      const fromPlan = new Map<string, string>();
      const plannedImages = new Map<string, string>();
      const plannedAutoscalers = new Map<string, string>();
      for (const app of result.plan!.apps) {
        for (const [cluster, workload] of Object.entries(app.workloads)) {
          expect(workload.replicas, `${app.name}@${cluster}: plan clusters and workloads agree`).toBe(app.clusters[cluster] ?? 0);
          const summed = workload.deployments.reduce((sum, d) => sum + d.replicas, 0);
          expect(summed, `${app.name}@${cluster}: the versions' replicas add up`).toBe(workload.replicas);
          for (const d of workload.deployments) {
            const key = `${cluster}/${app.namespace}/${d.name}`;
            fromPlan.set(key, d.autoscaler ? 'autoscaled' : String(d.replicas));
            if (d.autoscaler) plannedAutoscalers.set(key, `${d.autoscaler.minReplicas}-${d.autoscaler.maxReplicas}`);
            plannedImages.set(key, d.image);
          }
        }
      }
      expect(Object.fromEntries(fromOutput)).toEqual(Object.fromEntries(fromPlan));
      expect(Object.fromEntries(autoscalers)).toEqual(Object.fromEntries(plannedAutoscalers));
      expect(Object.fromEntries(images)).toEqual(Object.fromEntries(plannedImages));
    }),
    { seed: 1515, numRuns: 120 },
  );
  expect(rendered).toBeGreaterThan(20);
});

interface RenderedWorkload {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { replicas?: number; minReplicas?: number; maxReplicas?: number; template: { spec: { containers: { image: string }[] } } };
}
