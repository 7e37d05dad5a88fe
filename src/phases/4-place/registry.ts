import type { FilterPlugin } from './framework.js';
import { clusterAffinity } from './plugins/cluster-affinity.js';
import { spreadFields } from './plugins/spread-fields.js';
import { taintToleration } from './plugins/taint-toleration.js';

/** Filters in evaluation order; a cluster's reported reason is the first filter that rejects it. */
export const FILTERS: readonly FilterPlugin[] = [clusterAffinity, taintToleration, spreadFields];
