import type { Construct } from 'constructs';
import type { App } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import type { DeploymentPlan } from '../../../model/plan.js';
import { FleetObject } from '../fleet-object.js';

/**
 * An `autoscaling/v2` HorizontalPodAutoscaler for each of the app's workloads in one cluster that
 * placement gave bounds (src/phases/4-place/autoscaling.ts), named after the workload it scales.
 * The workload then has no `replicas` (workload.ts): the autoscaler owns the count, and a GitOps
 * apply that also set it would undo every scaling decision (Kubernetes HPA docs, "Migrating
 * Deployments and StatefulSets to horizontal autoscaling").
 */
export function renderAutoscalers(scope: Construct, app: App, labels: Record<string, string>, workloads: readonly DeploymentPlan[], source: ManifestSource): void {
  const autoscaling = app.workload.autoscaling!;
  const metrics = [...(autoscaling.cpu !== undefined ? [utilization('cpu', autoscaling.cpu)] : []), ...(autoscaling.memory !== undefined ? [utilization('memory', autoscaling.memory)] : [])];
  for (const workload of workloads) {
    if (!workload.autoscaler) continue;
    new FleetObject(
      scope,
      `${app.namespace}/HorizontalPodAutoscaler/${workload.name}`,
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: workload.name, namespace: app.namespace, labels },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: app.stateful ? 'StatefulSet' : 'Deployment', name: workload.name },
          minReplicas: workload.autoscaler.minReplicas,
          maxReplicas: workload.autoscaler.maxReplicas,
          metrics,
        },
      },
      source,
    );
  }
}

function utilization(name: 'cpu' | 'memory', percent: number): Record<string, unknown> {
  return { type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization: percent } } };
}
