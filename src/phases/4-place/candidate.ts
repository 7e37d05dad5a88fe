import type { App, Cluster } from '../../model/fleet.js';
import { affinityMatches } from '../3-resolve/index.js';
import { availableReplicasOf } from './divide/available.js';
import type { PlacementInput } from './framework.js';
import { SCORERS } from './registry.js';
import { tieOrderOf } from './tie-order.js';

/**
 * How an app's replicas are assigned to its chosen clusters: the rule's `replicas.strategy`, with
 * Divided split by where the weights come from. The four are Karmada's assignment strategies
 * (pkg/scheduler/core/assignment.go: Duplicated, Aggregated, StaticWeight, DynamicWeight).
 */
export type AssignmentStrategy = 'Duplicated' | 'StaticWeight' | 'DynamicWeight' | 'Aggregated';

export function assignmentStrategyOf(app: App): AssignmentStrategy {
  const replicas = app.placementRule.replicas ?? {};
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
  /**
   * What the cluster weighs, a non-negative number: its static weight with StaticWeight (a unitless
   * share), otherwise its available replicas (0 when it declares no capacity that bounds the app).
   * Divided and Aggregated divide the replicas by it; every strategy ranks by it after the score.
   */
  readonly weight: number;
  /** Replicas of the app that fit in the cluster's declared capacity; undefined when it declares none that bounds the app. */
  readonly available?: number;
  /** Replicas the previous placement gave it. */
  readonly previous: number;
  /**
   * The most replicas of the app it may get: its `max`, and with DynamicWeight and Aggregated no
   * more than its available replicas. Infinity when nothing bounds it (always with Duplicated).
   */
  readonly cap: number;
  /** Its per-cluster bounds as written: `min` (0 when none) and `max`, each with where it came from. */
  readonly bounds: ClusterBounds;
  /** Its rank in the app's tie order (tie-order.ts): breaks ties in ranking and in the apportionment. */
  readonly tie: number;
  /** Set when the cluster can take no replica of this app, with why (reads as "cluster(s) <reason>"). */
  readonly idle?: string;
}

/** A cluster's `min` and `max` and where each was set: a weight entry (`weights[i]`) or the rule's `replicas`. */
export interface ClusterBounds {
  readonly min: number;
  readonly max: number;
  /** Absent when no `min` applies. */
  readonly minFrom?: BoundSource;
  /** Absent when no `max` applies. */
  readonly maxFrom?: BoundSource;
}

/** `weights[i]`, the entry that gave the cluster its weight, or `rule` for the rule's own `replicas.min`/`max`. */
export type BoundSource = `weights[${number}]` | 'rule';

/**
 * Scores every feasible cluster and works out its weight and room. Clusters that cannot take a
 * replica (weight 0, no capacity, less room than `min`) come back with `idle` set.
 */
export function candidatesFor(input: PlacementInput, feasible: readonly Cluster[]): Candidate[] {
  const { app, previous } = input;
  const strategy = assignmentStrategyOf(app);
  const { weights: entries, min: ruleMin, max: ruleMax } = app.placementRule.replicas ?? {};
  const ruleBounds = boundsOf(ruleMin, ruleMax, 'rule');
  const availableOf = availableReplicasOf(app);
  const tieOrder = tieOrderOf(app.id);
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
    const candidate = (weight: number, cap: number, bounds: ClusterBounds, idle?: string): Candidate => ({
      name: cluster.name,
      cluster,
      score,
      scoreNotes,
      weight,
      available,
      previous: previous[cluster.name] ?? 0,
      cap,
      bounds,
      tie: tieOrder(cluster.name),
      idle,
    });
    if (strategy === 'Duplicated') return candidate(available ?? 0, Infinity, NO_BOUNDS);
    if (strategy === 'StaticWeight') {
      // A cluster's weight is the largest among the entries that match it; no entries means equal
      // weights. That entry's own `min`/`max` replace the rule's there, as a cluster's own
      // ReplicaSchedulingPreference entry replaces `"*"` in KubeFed. Among entries of equal weight
      // the last written decides the bounds, so a narrower entry written after a catch-all wins.
      let weight = entries ? -1 : 1;
      let from = -1;
      (entries ?? []).forEach((entry, i) => {
        if (entry.weight >= weight && affinityMatches(cluster, entry.clusters)) [weight, from] = [entry.weight, i];
      });
      const entry = from >= 0 ? entries![from] : undefined;
      const bounds: ClusterBounds = {
        ...(entry?.min !== undefined ? boundsOf(entry.min, undefined, `weights[${from}]`) : boundsOf(ruleMin, undefined, 'rule')),
        ...(entry?.max !== undefined ? maxOf(entry.max, `weights[${from}]`) : maxOf(ruleMax, 'rule')),
      };
      if (weight <= 0) return candidate(0, bounds.max, bounds, weight === 0 ? 'had weight 0' : 'matched no weight entry');
      if (bounds.max === 0) return candidate(weight, 0, bounds, `had max 0 (${bounds.maxFrom})`);
      return candidate(weight, bounds.max, bounds);
    }
    // Declared capacity is the cluster's room for this app in total: fleet places offline, so nothing
    // running is subtracted from it, this app's own previous replicas included.
    const cap = Math.min(ruleBounds.max, available ?? 0);
    let idle: string | undefined;
    if (available === undefined) idle = 'declared no capacity for what the app requests';
    else if (cap === 0) idle = 'had no room for one more replica';
    else if (cap < ruleBounds.min) idle = `had room for ${cap} replica(s), below min ${ruleBounds.min}`;
    return candidate(available ?? 0, cap, ruleBounds, idle);
  });
}

const NO_BOUNDS: ClusterBounds = Object.freeze({ min: 0, max: Infinity });

function boundsOf(min: number | undefined, max: number | undefined, from: BoundSource): ClusterBounds {
  return { ...(min !== undefined ? { min, minFrom: from } : { min: 0 }), ...maxOf(max, from) };
}

function maxOf(max: number | undefined, from: BoundSource): Pick<ClusterBounds, 'max' | 'maxFrom'> {
  return max !== undefined ? { max, maxFrom: from } : { max: Infinity };
}

const NO_NOTES: readonly string[] = Object.freeze([]);

/** Rank order: higher score, then more weight (static weight or available replicas), then the app's tie order (tie-order.ts), then name. */
export function byRank(a: Candidate, b: Candidate): number {
  return b.score - a.score || b.weight - a.weight || a.tie - b.tie || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
