import type { ClusterDecision } from '../../model/plan.js';

/**
 * Karmada's FitError summary: "0/5 clusters are available: 3 cluster(s) had untolerated taint
 * {maintenance=true:NoSchedule}, 2 cluster(s) did not match labels {env=prod}."
 * Reasons are counted and listed most common first, then alphabetically.
 */
export function fitSummary(decisions: readonly ClusterDecision[]): string {
  const counts = new Map<string, number>();
  for (const d of decisions) if (!d.feasible) counts.set(d.reason, (counts.get(d.reason) ?? 0) + 1);
  const reasons = [...counts].sort(([ra, a], [rb, b]) => b - a || (ra < rb ? -1 : 1)).map(([reason, n]) => `${n} cluster(s) ${reason}`);
  const available = decisions.filter((d) => d.feasible).length;
  return `${available}/${decisions.length} clusters are available${reasons.length ? `: ${reasons.join(', ')}` : ''}`;
}
