import type { Taint, Toleration } from '../../../model/spec.js';
import { FIT, NO_POINTS, type FilterPlugin, type ScorePlugin } from '../framework.js';

/**
 * No NoSchedule or NoExecute taint of the cluster goes untolerated. PreferNoSchedule taints never
 * filter (they only lower a cluster's score, below), as in Kubernetes and Karmada.
 */
export const taintToleration: FilterPlugin = {
  name: 'TaintToleration',
  filter({ rule }, cluster) {
    const tolerations = rule.tolerations ?? [];
    const taint = cluster.taints.find((t) => t.effect !== 'PreferNoSchedule' && !tolerations.some((tol) => tolerates(tol, t)));
    return taint ? { fit: false, reason: `had untolerated taint {${formatTaint(taint)}}` } : FIT;
  },
};

/** Points per untolerated PreferNoSchedule taint: enough to rank below an untainted cluster, never enough to outweigh stickiness (+100). */
export const PREFER_NO_SCHEDULE_POINTS = -10;

/**
 * PreferNoSchedule as a preference: each such taint the rule does not tolerate costs the cluster
 * 10 points, so spread and Aggregated pick it last; Duplicated and weighted division still use it.
 */
export const preferNoSchedule: ScorePlugin = {
  name: 'TaintToleration',
  score({ app }, cluster) {
    const tolerations = app.placementRule.tolerations ?? [];
    const taints = cluster.taints.filter((t) => t.effect === 'PreferNoSchedule' && !tolerations.some((tol) => tolerates(tol, t)));
    if (taints.length === 0) return NO_POINTS;
    return { points: PREFER_NO_SCHEDULE_POINTS * taints.length, note: `untolerated ${taints.map((t) => `{${formatTaint(t)}}`).join(', ')}` };
  },
};

/** Kubernetes toleration semantics: an empty key with Exists tolerates everything. */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
  if (toleration.key === undefined || toleration.key === '') return toleration.operator === 'Exists';
  if (toleration.key !== taint.key) return false;
  return toleration.operator === 'Exists' || (toleration.value ?? '') === (taint.value ?? '');
}

export function formatTaint(taint: Taint): string {
  return `${taint.key}${taint.value !== undefined ? `=${taint.value}` : ''}:${taint.effect}`;
}
