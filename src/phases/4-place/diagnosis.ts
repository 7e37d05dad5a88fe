import type { ClusterDecision } from '../../model/plan.js';

/**
 * Karmada's FitError summary: "0/5 clusters are available: 3 cluster(s) had untolerated taint
 * {maintenance=true:NoSchedule}, 2 cluster(s) did not match labels {env=prod}."
 * Reasons are counted and listed most common first, then alphabetically.
 */
export function fitSummary(decisions: readonly ClusterDecision[]): string {
  const available = decisions.filter((d) => d.feasible).length;
  const reasons = countReasons(decisions.filter((d) => !d.feasible).map((d) => d.reason));
  return `${available}/${decisions.length} clusters are available${reasons ? `: ${reasons}` : ''}`;
}

/** "3 cluster(s) <reason>, 1 cluster(s) <other reason>": most common first, then alphabetically. */
export function countReasons(reasons: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts]
    .sort(([ra, a], [rb, b]) => b - a || (ra < rb ? -1 : 1))
    .map(([reason, n]) => `${n} cluster(s) ${reason}`)
    .join(', ');
}
