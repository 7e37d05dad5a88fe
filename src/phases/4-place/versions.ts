import type { App } from '../../model/fleet.js';
import type { TrafficRuleSpec } from '../../model/spec.js';
import { apportion } from './divide/webster.js';

/**
 * Replicas per version in every cluster that runs an app, given its replicas per cluster (after
 * overrides) and the traffic rules to it in the order written.
 *
 * Each cluster is split on its own (splitReplicasByVersion). Then, fleet-wide: a version that takes
 * traffic but got no replica anywhere (every cluster too small to run all versions, e.g. 8 replicas
 * over 8 clusters with a 90/10 split) gets one, taken from the version with the most replicas in the
 * cluster with the most replicas (ties: the cluster, then the version, that comes first), provided
 * that version keeps one elsewhere. Otherwise its share of requests would fail everywhere.
 */
export function versionReplicas(app: App, totals: ReadonlyMap<string, number>, rulesToApp: readonly TrafficRuleSpec[]): Map<string, Map<string, number>> {
  if (app.versions.length === 0) return new Map([...totals.keys()].map((cluster) => [cluster, new Map()]));
  const serving = servingVersions(app, rulesToApp);
  const byCluster = new Map([...totals].map(([cluster, total]) => [cluster, splitReplicasByVersion(app, total, rulesToApp, serving)]));
  const fleetWide = (version: string) => [...byCluster.values()].reduce((sum, split) => sum + (split.get(version) ?? 0), 0);
  for (const version of app.versions) {
    if (version.replicas !== undefined || !serving.has(version.name) || fleetWide(version.name) > 0) continue;
    let best: { split: Map<string, number>; donor: string; count: number; total: number } | undefined;
    for (const [, split] of [...byCluster].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const total = [...split.values()].reduce((a, b) => a + b, 0);
      // The donor: the version with the most replicas here that does not have a fixed count.
      const donor = app.versions
        .filter((v) => v.replicas === undefined)
        .reduce<{ name: string; count: number } | undefined>((top, v) => ((split.get(v.name) ?? 0) > (top?.count ?? 0) ? { name: v.name, count: split.get(v.name)! } : top), undefined);
      if (donor && fleetWide(donor.name) > 1 && (!best || total > best.total)) best = { split, donor: donor.name, count: donor.count, total };
    }
    if (!best) continue;
    best.split.set(best.donor, best.count - 1);
    best.split.set(version.name, 1);
  }
  return byCluster;
}

/**
 * Splits an app's replicas in one cluster among its versions. A version with `replicas` gets exactly
 * that; the rest are apportioned (Webster, like placement) by the traffic split to the app, so
 * capacity follows traffic; without a split, equally. A version takes traffic when its split weight
 * is positive or a rule routes requests to it by `match` or `mirror`; each such version gets at
 * least one replica whenever the cluster has one for each of them. Beyond that, weight 0 gets none.
 */
export function splitReplicasByVersion(app: App, total: number, rulesToApp: readonly TrafficRuleSpec[], serving = servingVersions(app, rulesToApp)): Map<string, number> {
  const result = new Map<string, number>();
  const fixed = app.versions.filter((v) => v.replicas !== undefined);
  for (const v of fixed) result.set(v.name, v.replicas!);
  const rest = app.versions.filter((v) => v.replicas === undefined);
  const remaining = Math.max(0, total - fixed.reduce((sum, v) => sum + v.replicas!, 0));
  const split = rulesToApp.find((rule) => rule.split)?.split;
  const weights = rest.map((v) => ({ name: v.name, weight: split ? Math.max(0, split[v.name] ?? 0) : 1 }));
  // Every version that takes traffic gets at least one replica when there are enough, or its share
  // of requests would fail in this cluster.
  const floor = remaining >= weights.filter((w) => serving.has(w.name)).length ? 1 : 0;
  const { seats } = apportion(
    remaining - floor * weights.filter((w) => serving.has(w.name)).length,
    weights.map((w) => ({ ...w, seats: serving.has(w.name) ? floor : 0 })),
  );
  for (const [name, n] of seats) result.set(name, n);
  return result;
}

/** Versions that take traffic: a positive split weight (every version, without a split), or routed to by `match` or `mirror`. */
function servingVersions(app: App, rulesToApp: readonly TrafficRuleSpec[]): Set<string> {
  const split = rulesToApp.find((rule) => rule.split)?.split;
  const routed = rulesToApp.flatMap((rule) => [...(rule.match ?? []).map((m) => m.version), ...(rule.mirror ? [rule.mirror.version] : [])]);
  return new Set([...app.versions.filter((v) => !split || (split[v.name] ?? 0) > 0).map((v) => v.name), ...routed]);
}
