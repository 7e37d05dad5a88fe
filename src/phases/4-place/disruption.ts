import type { DisruptionBudgetPlan } from '../../model/plan.js';
import type { DisruptionSpec } from '../../model/workload-spec.js';
import { apportion } from './divide/webster.js';

/**
 * Each cluster's PodDisruptionBudget, from the app's `disruption` (stated once) and the pods the
 * cluster runs: its replicas, or its autoscalers' minimum, the fewest pods it may run (a budget that
 * holds there holds above it). The budget is computed as Kubernetes' disruption controller applies
 * it (pkg/controller/disruption/disruption.go, getExpectedPodCount): a percentage is of the pods the
 * workloads expect, rounded up (GetScaledValueFromIntOrPercent with roundUp), for `minAvailable` and
 * for `maxUnavailable` alike.
 *
 * - `maxUnavailable` (a number or a percentage) and a `minAvailable` percentage mean the same in
 *   every cluster and are rendered as written.
 * - A `minAvailable` number counts like `replicas`: per cluster when Duplicated; otherwise a
 *   fleet-wide floor, divided over the clusters in proportion to their pods (Webster, at most each
 *   cluster's pods), because rendering it unchanged in a cluster holding fewer pods than it would
 *   block every eviction there (node drains would never finish).
 *
 * `allowed` is what the budget lets go at once; explain and the checks (phases/check/workloads.ts) read it:
 * 0 blocks drains, all the cluster's pods leaves the app nowhere there.
 */
export function decideDisruption(disruption: DisruptionSpec, duplicated: boolean, pods: ReadonlyMap<string, number>, autoscaled: ReadonlySet<string> = new Set()): Map<string, DisruptionBudgetPlan> {
  const running = [...pods].filter(([, n]) => n > 0);
  /** "the 4 pod(s) here", or, where autoscalers own the count, the fewest they run. */
  const podsHere = (cluster: string, n: number) => `${n} pod(s) here${autoscaled.has(cluster) ? " at the autoscalers' minimum" : ''}`;
  const plans = new Map<string, DisruptionBudgetPlan>();
  const { maxUnavailable, minAvailable } = disruption;
  if (maxUnavailable !== undefined) {
    for (const [cluster, n] of running) {
      const evictable = Math.min(n, scaled(maxUnavailable, n));
      const rounded = typeof maxUnavailable === 'string' ? ` of ${n} is ${scaled(maxUnavailable, n)} (rounded up, as the disruption controller does)` : '';
      const why = `maxUnavailable ${maxUnavailable}${rounded}: ${evictable} of the ${podsHere(cluster, n)} may be evicted at once`;
      plans.set(cluster, { maxUnavailable, allowed: evictable, pods: n, why });
    }
    return plans;
  }
  if (minAvailable === undefined) return plans;
  if (typeof minAvailable === 'string' || duplicated) {
    for (const [cluster, n] of running) {
      const stay = Math.min(n, scaled(minAvailable, n));
      const how = typeof minAvailable === 'string' ? ` of ${n} is ${scaled(minAvailable, n)} (rounded up, as the disruption controller does)` : ' in every cluster (Duplicated)';
      plans.set(cluster, { minAvailable, allowed: n - stay, pods: n, why: `minAvailable ${minAvailable}${how}: ${n - stay} of the ${podsHere(cluster, n)} may be evicted at once` });
    }
    return plans;
  }
  const total = running.reduce((sum, [, n]) => sum + n, 0);
  const { seats } = apportion(
    minAvailable,
    running.map(([name, n]) => ({ name, weight: n, max: n })),
  );
  for (const [cluster, n] of running) {
    const stay = seats.get(cluster)!;
    const capped = minAvailable > total ? `; the fleet runs only ${total}, so every pod must stay` : '';
    const why = `minAvailable ${minAvailable} across the fleet, divided by each cluster's pods (Webster): ${stay} of the ${podsHere(cluster, n)} must stay, ${n - stay} may be evicted at once${capped}`;
    plans.set(cluster, { minAvailable: stay, allowed: n - stay, pods: n, why });
  }
  return plans;
}

/** A count as written, or a percentage of `of`, rounded up. */
function scaled(value: number | string, of: number): number {
  if (typeof value === 'number') return value;
  return Math.floor((Number.parseInt(value, 10) * of + 99) / 100);
}
