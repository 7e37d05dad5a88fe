import { FIT, type FilterPlugin } from '../framework.js';
import { groupOf } from '../groups.js';

/**
 * A cluster lacking a field or label a spread constraint groups by cannot be counted, so it is left
 * out, as Karmada's SpreadConstraint filter does. All missing ones are named, in `by` order.
 */
export const spreadFields: FilterPlugin = {
  name: 'SpreadConstraint',
  filter({ rule }, cluster) {
    const missing = (rule.spread ?? [])
      .map((c) => c.by)
      .filter((by) => groupOf(cluster, by) === undefined)
      .sort()
      .map((by) => (by.startsWith('label:') ? `label ${by.slice('label:'.length)}` : by));
    return missing.length ? { fit: false, reason: `had no ${missing.join(', ')}, which spread needs` } : FIT;
  },
};
