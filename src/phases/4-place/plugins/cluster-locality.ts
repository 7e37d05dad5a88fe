import { NO_POINTS, type ScorePlugin } from '../framework.js';

/** Points for a cluster the app already runs on: Karmada's ClusterLocality score. */
export const LOCALITY_POINTS = 100;

/**
 * Stickiness: a cluster where the previous placement ran this app ranks first, so a later change
 * to the spec keeps the groups and clusters already in use and moves as few replicas as it can.
 */
export const clusterLocality: ScorePlugin = {
  name: 'ClusterLocality',
  score({ previous }, cluster) {
    const replicas = previous[cluster.name] ?? 0;
    return replicas > 0 ? { points: LOCALITY_POINTS, note: `ran ${replicas} replica(s) here in the previous placement` } : NO_POINTS;
  },
};
