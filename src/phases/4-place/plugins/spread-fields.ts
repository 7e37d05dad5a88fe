import { clusterAttribute } from '../../3-resolve/index.js';
import { FIT, type FilterPlugin } from '../framework.js';

/** A cluster lacking the field a spread constraint groups by cannot be counted, so it is left out. */
export const spreadFields: FilterPlugin = {
  name: 'SpreadConstraint',
  filter({ app }, cluster) {
    for (const { by } of app.placement.spread ?? []) {
      if (by === 'cluster') continue;
      const key = by.startsWith('label:') ? by.slice('label:'.length) : by;
      if (clusterAttribute(cluster, key) === undefined) {
        return { fit: false, reason: by.startsWith('label:') ? `lacked the label ${key} that spread needs` : `had no ${key}, which spread needs` };
      }
    }
    return FIT;
  },
};
