import type { App, Cluster } from '../../model/fleet.js';
import { affinityMismatch } from '../3-resolve/index.js';
import { availableReplicasOf } from './divide/available.js';
import type { PlacementInput } from './framework.js';
import { SCORERS } from './registry.js';

/** How an app's replicas are divided: the rule's strategy, with Divided split by where weights come from. */
export type Division = 'Duplicated' | 'StaticWeight' | 'DynamicWeight' | 'Aggregated';

export function divisionOf(app: App): Division {
  const replicas = app.placement.replicas ?? {};
  const strategy = replicas.strategy ?? 'Duplicated';
  if (strategy === 'Divided') return replicas.dynamic ? 'DynamicWeight' : 'StaticWeight';
  return strategy;
}

/** A feasible cluster, with everything the later stages (select, divide) and `fleet explain` need to know about it. */
export interface Candidate {
  readonly name: string;
  readonly cluster: Cluster;
  /** The sum of the score plugins' points, and their notes. */
  readonly score: number;
  readonly scoreNotes: readonly string[];
  /** The division weight: the static weight, or the available replicas (DynamicWeight, Aggregated); 1 for Duplicated. */
  readonly weight: number;
  /** Replicas of the app that fit in the cluster's declared capacity; undefined when it declares none that bounds the app. */
  readonly available?: number;
  /** What ranks it after its score: the static weight, or the available replicas (0 when undeclared). */
  readonly capacity: number;
  /** Replicas the previous placement gave it. */
  readonly previous: number;
  /** The most replicas it may hold: `max`, and for capacity-based division its available replicas. Infinity when unbounded. */
  readonly hold: number;
  /** Set when the cluster can take no replica of this app, with why (reads as "cluster(s) <reason>"). */
  readonly idle?: string;
}

/**
 * Scores every feasible cluster and works out its weight and room. Clusters that cannot take a
 * replica (weight 0, no capacity, less room than `min`) come back with `idle` set.
 */
export function candidatesFor(input: PlacementInput, feasible: readonly Cluster[]): Candidate[] {
  const { app, previous } = input;
  const division = divisionOf(app);
  const { weights: entries, min = 0, max = Infinity } = app.placement.replicas ?? {};
  const availableOf = availableReplicasOf(app);
  return feasible.map((cluster): Candidate => {
    let score = 0;
    let scoreNotes: readonly string[] = NO_NOTES;
    for (const plugin of SCORERS) {
      const { points, note } = plugin.score(input, cluster);
      if (points === 0) continue;
      score += points;
      scoreNotes = [...scoreNotes, `${plugin.name} ${points > 0 ? '+' : ''}${points}${note ? `: ${note}` : ''}`];
    }
    const available = availableOf(cluster);
    const candidate = (weight: number, capacity: number, hold: number, idle?: string): Candidate => ({
      name: cluster.name,
      cluster,
      score,
      scoreNotes,
      weight,
      available,
      capacity,
      previous: previous[cluster.name] ?? 0,
      hold,
      idle,
    });
    if (division === 'Duplicated') return candidate(1, available ?? 0, Infinity);
    if (division === 'StaticWeight') {
      // A cluster's weight is the largest among the entries that match it; no entries means equal weights.
      let weight = entries ? -1 : 1;
      for (const entry of entries ?? []) if (entry.weight > weight && affinityMismatch(cluster, entry.clusters) === undefined) weight = entry.weight;
      if (weight > 0) return candidate(weight, weight, max);
      return candidate(0, 0, max, weight === 0 ? 'had weight 0' : 'matched no weight entry');
    }
    // Declared capacity is the cluster's room for this app in total: fleet places offline, so nothing
    // running is subtracted from it, this app's own previous replicas included.
    const hold = Math.min(max, available ?? 0);
    let idle: string | undefined;
    if (available === undefined) idle = 'declared no capacity for what the app requests';
    else if (hold === 0) idle = 'had no room for one more replica';
    else if (hold < min) idle = `had room for ${hold} replica(s), below min ${min}`;
    return candidate(available ?? 0, available ?? 0, hold, idle);
  });
}

const NO_NOTES: readonly string[] = Object.freeze([]);

/** Rank order: higher score, then more capacity, then name. */
export function byRank(a: Candidate, b: Candidate): number {
  return b.score - a.score || b.capacity - a.capacity || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
