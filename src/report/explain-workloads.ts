import type { App } from '../model/fleet.js';
import type { AppPlacement } from '../model/plan.js';
import { textTable } from './table.js';

/**
 * `fleet explain APP`, the end: what runs where as rendered (each cluster's workloads with replicas,
 * autoscaler bounds and image, and the overrides applied there), then why each cluster's
 * autoscalers and disruption budget have the numbers they have (src/phases/4-place/autoscaling.ts,
 * disruption.ts), the overrides' patches each cluster applies, and the app's own manifests.
 */
export function workloadLines(app: App, placement: AppPlacement, compareClusters: (a: string, b: string) => number): string[] {
  const clusters = Object.keys(placement.workloads).sort(compareClusters);
  if (clusters.length === 0) return [];
  const autoscaled = clusters.some((c) => placement.workloads[c].autoscaling);
  const rows = clusters.flatMap((cluster) => {
    const workload = placement.workloads[cluster];
    return workload.deployments.map((d, i) => [
      i === 0 ? cluster : '',
      d.name,
      String(d.replicas),
      ...(autoscaled ? [d.autoscaler ? `${d.autoscaler.minReplicas}-${d.autoscaler.maxReplicas}` : '-'] : []),
      d.image,
      i === 0 ? (workload.overrides ?? []).join(', ') || '-' : '',
    ]);
  });
  const headers = ['CLUSTER', app.stateful ? 'STATEFULSET' : 'DEPLOYMENT', 'REPLICAS', ...(autoscaled ? ['AUTOSCALER'] : []), 'IMAGE', 'OVERRIDES'];
  const lines = ['', 'workloads (as rendered, overrides applied):', indent(textTable(headers, rows, (i) => i === 2 || (autoscaled && i === 3)).trimEnd())];
  if (autoscaled) {
    const a = app.workload.autoscaling!;
    const metrics = [a.cpu !== undefined ? `cpu ${a.cpu}%` : '', a.memory !== undefined ? `memory ${a.memory}%` : ''].filter(Boolean).join(', ');
    lines.push('', `autoscaling (min ${a.min}, max ${a.max}, ${metrics}): each autoscaler owns its workload's replicas, which the workload leaves out; REPLICAS is placement's division`);
    for (const cluster of clusters) {
      const bounds = placement.workloads[cluster].autoscaling;
      if (bounds) lines.push(`  ${cluster}: min ${bounds.min}, max ${bounds.max}: ${bounds.why}`);
    }
  }
  if (clusters.some((c) => placement.workloads[c].disruptionBudget)) {
    lines.push('', 'disruption budgets (one PodDisruptionBudget per cluster, over every pod of the app there):');
    for (const cluster of clusters) {
      const budget = placement.workloads[cluster].disruptionBudget;
      if (budget) lines.push(`  ${cluster}: ${budget.why}`);
    }
  }
  if (clusters.some((c) => placement.workloads[c].patches)) {
    lines.push('', "patches (applied to the app's rendered objects there, in this order, after fleet renders them):");
    for (const cluster of clusters) {
      for (const patch of placement.workloads[cluster].patches ?? []) lines.push(`  ${cluster}: ${patch.override} patches[${patch.index}]: ${patch.summary}`);
    }
  }
  if (app.manifests.length > 0) {
    const kinds = app.manifests.map((m) => `${m.object.kind} ${m.object.metadata.name}`).join(', ');
    lines.push('', `own manifests (\`manifests\`, sent to every cluster above, in namespace ${app.namespace}): ${kinds}`);
  }
  return lines;
}

/** The `replication:` line of a stateful app. */
export function replicationLine(app: App): string {
  return app.workload.replication === 'external'
    ? 'external: its members replicate across clusters by their own means, so placement may split it (each cluster runs its own StatefulSet)'
    : 'in-cluster: its members replicate only within its StatefulSet, so it runs in one cluster';
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
