import type { ReplicaStrategy } from './spec.js';

/**
 * The placement: printable as JSON (`fleet plan --format json`) and stored in the lock file.
 * Apps sorted by namespace/name; clusters by name.
 */
/**
 * The placement of the previous run (from the lock file), by app id `namespace/name`: replicas per
 * cluster. Placement uses it to move as few replicas as it can, and to keep stateful apps in place.
 */
export type PreviousPlacement = ReadonlyMap<string, Readonly<Record<string, number>>>;

export interface PlacementPlan {
  readonly apps: readonly AppPlacement[];
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
  /** Reads as "cluster(s) <reason>": why it was filtered out, or why it got what it got. */
  readonly reason: string;
  readonly weight?: number;
}
