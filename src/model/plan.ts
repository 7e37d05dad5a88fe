import type { ReplicaStrategy } from './spec.js';

/**
 * The placement of the previous run (from the lock file), by app id `namespace/name`: replicas per
 * cluster. Placement uses it to move as few replicas as it can, and to keep stateful apps in place.
 */
export type PreviousPlacement = ReadonlyMap<string, Readonly<Record<string, number>>>;

/**
 * The placement: printable as JSON (`fleet plan --format json`) and stored in the lock file.
 * Apps sorted by namespace/name; clusters by name.
 */
export interface PlacementPlan {
  readonly apps: readonly AppPlacement[];
}

/** What rendering needs of a plan: replicas per cluster of each app. Small enough to pass between threads. */
export interface Placement {
  readonly apps: readonly Pick<AppPlacement, 'namespace' | 'name' | 'clusters'>[];
}

/** The Placement part of a plan, as plain data of its own. */
export function placementOf(plan: PlacementPlan): Placement {
  return { apps: plan.apps.map(({ namespace, name, clusters }) => ({ namespace, name, clusters })) };
}

export interface AppPlacement {
  readonly namespace: string;
  readonly name: string;
  /** Replicas per cluster, clusters with none left out (the contract's shape). */
  readonly clusters: Readonly<Record<string, number>>;
  readonly rule: string;
  readonly strategy: ReplicaStrategy;
  /** The app's `replicas`: per cluster when Duplicated, in total otherwise. */
  readonly replicas: number;
  /** Which affinity produced the candidates: `primary`, or `fallback[i]`. */
  readonly affinity: string;
  /** The affinities tried before it, each with its filter summary (why it left no feasible cluster). */
  readonly passedOver?: readonly string[];
  /** The filter stage in Karmada's words: "3/4 clusters are available: 1 cluster(s) had untolerated taint {…}". */
  readonly filter: string;
  /** One entry per spread constraint, in the order written: the groups there were and the ones chosen. */
  readonly spread: readonly SpreadChoice[];
  /** How the previous placement was used (dynamic and Aggregated division only; static weights are stateless). */
  readonly steady?: SteadyState;
  /** One entry per cluster of the fleet, sorted by name: why it was chosen or not. */
  readonly decisions: readonly ClusterDecision[];
  /** How replicas were apportioned, step by step, for `fleet explain`. */
  readonly apportionment: readonly string[];
}

export interface ClusterDecision {
  readonly cluster: string;
  readonly replicas: number;
  /** Passed every filter. A feasible cluster may still get 0 replicas (weight 0, not in the chosen groups). */
  readonly feasible: boolean;
  /** Reads as "cluster(s) <reason>" for filtered clusters; otherwise why it got what it got. */
  readonly reason: string;
  /** The division weight used: the static weight, or the available replicas with `dynamic`/Aggregated. */
  readonly weight?: number;
  /** Replicas of this app that fit in the cluster's declared capacity (absent when it declares none that bounds the app). */
  readonly available?: number;
  /** Replicas the previous placement gave this cluster (absent when none). */
  readonly previous?: number;
  /** The cluster's rank among feasible clusters (1 = best): score, then capacity, then name. */
  readonly rank?: number;
  /** The sum of the score plugins' points; higher ranks first in spread and Aggregated selection. */
  readonly score?: number;
  /** Why the score is what it is, one note per plugin that gave points. */
  readonly scoreNotes?: readonly string[];
}

/** What one spread constraint chose. */
export interface SpreadChoice {
  readonly by: string;
  readonly minGroups?: number;
  readonly maxGroups?: number;
  /** Every group with an eligible cluster, best first. */
  readonly groups: readonly string[];
  /** The groups (or, for `by: cluster`, the clusters) chosen, best first. */
  readonly chosen: readonly string[];
}

/** Karmada's Steady assignment mode, as applied to this app. */
export interface SteadyState {
  /**
   * `fresh`: no previous placement, divided from scratch. `unchanged`: the previous replicas still
   * add up, so they stay. `scale-up`: the previous replicas stay and only the difference is divided.
   * `scale-down`: the previous replicas shrink in proportion.
   */
  readonly mode: 'fresh' | 'unchanged' | 'scale-up' | 'scale-down';
  /** Replicas the previous placement had in total. */
  readonly previousTotal: number;
  /** Previous replicas that stayed where they were. */
  readonly kept: number;
  /** Previous replicas given up because their cluster is no longer usable, by cluster, with why. */
  readonly released: readonly { readonly cluster: string; readonly replicas: number; readonly reason: string }[];
}
