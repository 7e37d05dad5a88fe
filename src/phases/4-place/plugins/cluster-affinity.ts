import { affinityMismatch } from '../../3-resolve/index.js';
import { FIT, type FilterPlugin } from '../framework.js';

/** The cluster matches the rule's affinity (names, labels, expressions, exclude). */
export const clusterAffinity: FilterPlugin = {
  name: 'ClusterAffinity',
  filter({ affinity }, cluster) {
    const mismatch = affinityMismatch(cluster, affinity);
    return mismatch === undefined ? FIT : { fit: false, reason: mismatch };
  },
};
