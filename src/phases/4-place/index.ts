import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { App, Cluster, ResolvedFleet } from '../../model/fleet.js';
import type { AppPlacement, ClusterDecision, PlacementPlan, PreviousPlacement } from '../../model/plan.js';
import type { ClusterAffinitySpec } from '../../model/spec.js';
import type { SourceMap } from '../1-load/index.js';
import { fitSummary } from './diagnosis.js';
import { divide } from './divide/index.js';
import { FILTERS } from './registry.js';

export { fitSummary } from './diagnosis.js';
export { apportion } from './divide/webster.js';

/** Phase 4: for each app, filter -> divide, every decision with its reason. Pure and deterministic. */
export function place(fleet: ResolvedFleet, sourceMap: SourceMap, diagnostics: DiagnosticBag, previous: PreviousPlacement): PlacementPlan {
  const apps: AppPlacement[] = [];
  for (const app of fleet.apps) {
    const placement = placeApp(app, fleet.clusters, sourceMap, diagnostics, previous.get(app.id));
    if (placement) apps.push(placement);
  }
  return { apps };
}

function placeApp(
  app: App,
  clusters: readonly Cluster[],
  sourceMap: SourceMap,
  diagnostics: DiagnosticBag,
  previous: Readonly<Record<string, number>> | undefined,
): AppPlacement | undefined {
  const rule = app.placement;
  const affinities: { label: string; affinity: ClusterAffinitySpec }[] = [
    { label: 'primary', affinity: rule.clusters ?? {} },
    ...(rule.fallback ?? []).map((group, i) => ({ label: `fallback[${i}]`, affinity: group.clusters })),
  ];

  // Ordered affinity groups: the first that leaves any feasible cluster is used.
  let chosen = affinities[0];
  let decisions = filterAll(app, chosen.affinity, clusters);
  for (const candidate of affinities.slice(1)) {
    if (decisions.some((d) => d.feasible)) break;
    chosen = candidate;
    decisions = filterAll(app, candidate.affinity, clusters);
  }
  if (!decisions.some((d) => d.feasible)) {
    const primary = filterAll(app, affinities[0].affinity, clusters);
    diagnostics.error(
      'placement_no_feasible_cluster',
      `app \`${app.name}\` (rule \`${rule.name}\`) cannot be placed: ${fitSummary(primary)}${affinities.length > 1 ? `; no fallback group had a feasible cluster either` : ''}`,
      sourceMap.valueSpan(rule, rule.clusters ? 'clusters' : 'name'),
      ['widen the cluster affinity, add a toleration, or add a `fallback` group'],
    );
    return undefined;
  }

  const feasible = clusters.filter((c) => decisions.find((d) => d.cluster === c.name)!.feasible);
  const division = divide(app, feasible);
  if (division.error) {
    diagnostics.error('placement_unsatisfiable', division.error.message, sourceMap.valueSpan(rule, 'replicas'), division.error.help);
    return undefined;
  }
  const finalDecisions = decisions.map((d): ClusterDecision => {
    if (!d.feasible) return d;
    const replicas = division.replicas.get(d.cluster) ?? 0;
    const weight = division.weights.get(d.cluster);
    const reason = division.idle.get(d.cluster) ?? (replicas > 0 ? `matched ${chosen.label === 'primary' ? 'the affinity' : chosen.label}` : 'got no replica in the apportionment');
    return { ...d, replicas, reason, ...(weight !== undefined ? { weight } : {}) };
  });
  return {
    namespace: app.namespace,
    name: app.name,
    clusters: Object.fromEntries(finalDecisions.filter((d) => d.replicas > 0).map((d) => [d.cluster, d.replicas])),
    rule: rule.name,
    strategy: rule.replicas?.strategy ?? 'Duplicated',
    replicas: app.replicas,
    affinity: chosen.label,
    decisions: finalDecisions,
    apportionment: division.steps,
  };
}

function filterAll(app: App, affinity: ClusterAffinitySpec, clusters: readonly Cluster[]): ClusterDecision[] {
  return clusters.map((cluster) => {
    for (const plugin of FILTERS) {
      const verdict = plugin.filter({ app, affinity }, cluster);
      if (!verdict.fit) return { cluster: cluster.name, replicas: 0, feasible: false, reason: verdict.reason };
    }
    return { cluster: cluster.name, replicas: 0, feasible: true, reason: '' };
  });
}
