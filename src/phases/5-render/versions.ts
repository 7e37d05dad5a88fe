import type { App } from '../../model/fleet.js';
import type { TrafficRuleSpec } from '../../model/spec.js';
import { apportion } from '../4-place/index.js';

/**
 * Splits an app's replicas in one cluster among its versions. A version with `replicas` gets exactly
 * that; the rest are apportioned (Webster, like placement) by the traffic split to the app, so
 * capacity follows traffic; without a split, equally. A version with weight 0 gets no replicas; one
 * with a positive weight gets at least one whenever the cluster has a replica for each such version.
 */
export function splitReplicasByVersion(app: App, total: number, traffic: readonly TrafficRuleSpec[]): Map<string, number> {
  const result = new Map<string, number>();
  const fixed = app.versions.filter((v) => v.replicas !== undefined);
  for (const v of fixed) result.set(v.name, v.replicas!);
  const rest = app.versions.filter((v) => v.replicas === undefined);
  const remaining = Math.max(0, total - fixed.reduce((sum, v) => sum + v.replicas!, 0));
  const split = traffic.find((rule) => rule.to === app.name && rule.split)?.split;
  const weights = rest.map((v) => ({ name: v.name, weight: split ? Math.max(0, split[v.name] ?? 0) : 1 }));
  // Every version that takes traffic gets at least one replica when there are enough, or its share
  // of requests would fail in this cluster.
  const serving = weights.filter((w) => w.weight > 0);
  const floor = remaining >= serving.length ? 1 : 0;
  const { seats } = apportion(remaining - floor * serving.length, weights.map((w) => ({ ...w, seats: w.weight > 0 ? floor : 0 })));
  for (const [name, n] of seats) result.set(name, n);
  return result;
}
