import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { App, ResolvedFleet } from '../../model/fleet.js';
import type { AppPlacement, PlacementPlan } from '../../model/plan.js';
import type { SourceMap } from '../1-load/index.js';
import { DEFAULTS } from '../3-resolve/defaults.js';

/**
 * What the workload decisions (phases/4-place/workloads.ts) mean for each app, reported where the spec says it,
 * after placement and before anything is rendered (so `fleet validate` reports them too):
 * - a stateful app split over clusters without `replication: external` is an error: each cluster's
 *   StatefulSet would be an independent copy of the data (the split brain of karmada#4581);
 * - a disruption budget that blocks every eviction in a cluster (node drains there never finish),
 *   or lets every pod of a cluster go at once (the app is then gone there), is a warning: fleet
 *   renders what was asked and says what it does;
 * - autoscaler bounds raised to one per cluster (or per workload) are a warning.
 */
export function checkWorkloads(fleet: ResolvedFleet, plan: PlacementPlan, sourceMap: SourceMap, diagnostics: DiagnosticBag): void {
  const apps = new Map(fleet.apps.map((a) => [a.id, a]));
  for (const placement of plan.apps) {
    const app = apps.get(`${placement.namespace}/${placement.name}`)!;
    checkStatefulSplit(app, placement, sourceMap, diagnostics);
    checkDisruptionBudgets(app, placement, sourceMap, diagnostics);
    checkAutoscalers(app, placement, sourceMap, diagnostics);
  }
}

function checkStatefulSplit(app: App, placement: AppPlacement, sourceMap: SourceMap, diagnostics: DiagnosticBag): void {
  const clusters = Object.entries(placement.clusters);
  if (!app.stateful || app.workload.replication === 'external' || clusters.length < 2) return;
  const where = clusters.map(([name, n]) => `${name} ${n}`).join(', ');
  diagnostics.error(
    'placement_stateful_split',
    `stateful app \`${app.name}\` would run in ${clusters.length} clusters (${where}); each cluster's StatefulSet would be an independent copy of its data, which no member replicates to the others`,
    sourceMap.valueSpan(app.spec, 'stateful'),
    [
      `run it in one cluster: a placement rule naming one cluster, or \`strategy: Aggregated\` with room for all ${app.replicas} replica(s) in one (see \`fleet explain ${app.name}\`)`,
      'if its members replicate across clusters by their own means, say so with `replication: external`',
    ],
    relatedRule(app, sourceMap),
  );
}

function checkDisruptionBudgets(app: App, placement: AppPlacement, sourceMap: SourceMap, diagnostics: DiagnosticBag): void {
  const disruption = app.workload.disruption;
  if (!disruption) return;
  const budgets = Object.entries(placement.workloads).flatMap(([cluster, w]) => (w.disruptionBudget ? [{ cluster, budget: w.disruptionBudget }] : []));
  const list = (items: typeof budgets) => items.map(({ cluster, budget }) => `${cluster} (${budget.pods} pod${budget.pods === 1 ? '' : 's'})`).join(', ');
  // Looked up only for a warning: a position parses the spec file (see SourceMap).
  const span = () => sourceMap.valueSpan(app.spec.disruption!, disruption.maxUnavailable !== undefined ? 'maxUnavailable' : 'minAvailable');
  const blocked = budgets.filter(({ budget }) => budget.allowed === 0);
  if (blocked.length) {
    diagnostics.warning(
      'placement_disruption_blocks_eviction',
      `the disruption budget of app \`${app.name}\` lets no pod be evicted in ${list(blocked)}: draining a node there waits until someone deletes the budget`,
      span(),
      ['allow at least one eviction per cluster: `maxUnavailable: 1`, or a lower `minAvailable`', `to see the budget of each cluster: \`fleet explain ${app.name}\``],
    );
  }
  const exposed = budgets.filter(({ budget }) => budget.allowed > 0 && budget.allowed >= budget.pods);
  if (exposed.length) {
    diagnostics.warning(
      'placement_disruption_leaves_none',
      `the disruption budget of app \`${app.name}\` lets every pod be evicted at once in ${list(exposed)}, so a node drain can leave the app without a pod there`,
      span(),
      ['give those clusters more replicas (placement `min`, or more `replicas`), or accept it: fleet renders the budget as written'],
    );
  }
}

function checkAutoscalers(app: App, placement: AppPlacement, sourceMap: SourceMap, diagnostics: DiagnosticBag): void {
  const autoscaling = app.workload.autoscaling;
  if (!autoscaling) return;
  const duplicated = (app.placementRule.replicas?.strategy ?? DEFAULTS.strategy) === 'Duplicated';
  // Per cluster when Duplicated, across the fleet otherwise: the most any count of the rendered bounds reaches.
  const counts = Object.values(placement.workloads).map((w) => w.deployments.flatMap((d) => (d.autoscaler ? [d.autoscaler] : [])));
  const totals = duplicated ? counts : [counts.flat()];
  for (const [bound, field] of [
    ['minReplicas', 'min'],
    ['maxReplicas', 'max'],
  ] as const) {
    const rendered = Math.max(0, ...totals.map((list) => list.reduce((sum, a) => sum + a[bound], 0)));
    if (rendered <= autoscaling[field]) continue;
    diagnostics.warning(
      'placement_autoscaling_raised',
      `app \`${app.name}\` autoscales with ${field} ${autoscaling[field]}${duplicated ? ' per cluster' : ''}, but every autoscaler needs ${field === 'min' ? 'minReplicas' : 'maxReplicas'} of at least 1, so its autoscalers add up to ${rendered}`,
      sourceMap.valueSpan(app.spec.autoscaling!, field),
      [`raise \`${field}\` to at least ${rendered} (one per cluster${app.versions.length ? ' and version' : ''} that runs the app), or run the app in fewer clusters`],
    );
  }
}

function relatedRule(app: App, sourceMap: SourceMap): { span: NonNullable<ReturnType<SourceMap['valueSpan']>>; label: string }[] {
  const span = sourceMap.valueSpan(app.placementRule, 'name');
  return span ? [{ span, label: `rule \`${app.placementRule.name}\` places it` }] : [];
}
