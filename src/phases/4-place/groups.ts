import type { Cluster } from '../../model/fleet.js';
import { ownValue } from '../../model/own-keys.js';

/** The group a cluster belongs to for a spread constraint's `by`; undefined when the cluster lacks that field or label. */
export function groupOf(cluster: Cluster, by: string): string | undefined {
  if (by === 'cluster') return cluster.name;
  if (by.startsWith('label:')) return ownValue(cluster.labels, by.slice('label:'.length));
  if (by === 'region' || by === 'zone' || by === 'provider') return cluster[by];
  return undefined;
}
