import type { Taint, Toleration } from '../../../model/spec.js';
import { FIT, type FilterPlugin } from '../framework.js';

/**
 * No NoSchedule or NoExecute taint of the cluster goes untolerated. PreferNoSchedule taints never
 * filter (they only lower a cluster's score), as in Kubernetes and Karmada.
 */
export const taintToleration: FilterPlugin = {
  name: 'TaintToleration',
  filter({ app }, cluster) {
    const tolerations = app.placement.tolerations ?? [];
    const taint = cluster.taints.find((t) => t.effect !== 'PreferNoSchedule' && !tolerations.some((tol) => tolerates(tol, t)));
    return taint ? { fit: false, reason: `had untolerated taint {${formatTaint(taint)}}` } : FIT;
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
