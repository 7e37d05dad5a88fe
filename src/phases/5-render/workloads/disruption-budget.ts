import type { Construct } from 'constructs';
import type { App } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import type { DisruptionBudgetPlan } from '../../../model/plan.js';
import { FleetObject } from '../fleet-object.js';
import { selectorLabels } from '../labels.js';

/**
 * The app's `policy/v1` PodDisruptionBudget in one cluster, named after the app, as placement
 * decided it for that cluster (src/phases/4-place/disruption.ts). It selects every pod of the app
 * (`app: <name>`), all versions together: the disruption controller adds up the scale of each
 * workload the pods belong to, so one budget covers a stable and a canary Deployment.
 */
export function renderDisruptionBudget(scope: Construct, app: App, labels: Record<string, string>, budget: DisruptionBudgetPlan, source: ManifestSource): void {
  new FleetObject(
    scope,
    `${app.namespace}/PodDisruptionBudget/${app.name}`,
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: app.name, namespace: app.namespace, labels },
      spec: {
        selector: { matchLabels: selectorLabels(app) },
        ...(budget.minAvailable !== undefined ? { minAvailable: budget.minAvailable } : { maxUnavailable: budget.maxUnavailable }),
      },
    },
    source,
  );
}
