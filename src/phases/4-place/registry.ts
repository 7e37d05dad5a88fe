import type { FilterPlugin, ScorePlugin } from './framework.js';
import { clusterAffinity } from './plugins/cluster-affinity.js';
import { clusterLocality } from './plugins/cluster-locality.js';
import { spreadFields } from './plugins/spread-fields.js';
import { preferNoSchedule, taintToleration } from './plugins/taint-toleration.js';

/** Filters in evaluation order; a cluster's reported reason is the first filter that rejects it. */
export const FILTERS: readonly FilterPlugin[] = [clusterAffinity, taintToleration, spreadFields];

/** Score plugins; a feasible cluster's score is the sum of their points. */
export const SCORERS: readonly ScorePlugin[] = [clusterLocality, preferNoSchedule];
