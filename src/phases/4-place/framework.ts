import type { App, Cluster } from '../../model/fleet.js';
import type { ClusterAffinitySpec, PlacementRuleSpec } from '../../model/spec.js';

/** A filter's answer for one cluster. `reason` completes the sentence "N cluster(s) …". */
export type Verdict = { readonly fit: true } | { readonly fit: false; readonly reason: string };

export const FIT: Verdict = { fit: true };

/** What plugins see about the app being placed. */
export interface PlacementInput {
  readonly app: App;
  /** The affinity being tried: the rule's `clusters`, or one of its `fallback` groups. */
  readonly affinity: ClusterAffinitySpec;
  /** Replicas per cluster in the previous placement of this app; empty when there is none. */
  readonly previous: Readonly<Record<string, number>>;
}

/**
 * What a filter is given: the app's placement rule and the affinity being tried, nothing of the app
 * itself. place() filters once per rule and affinity and reuses the verdicts for every app of the
 * rule, which is sound exactly because this is all a filter can read.
 */
export interface FilterInput {
  readonly rule: PlacementRuleSpec;
  readonly affinity: ClusterAffinitySpec;
}

/** A Filter plugin, as in Karmada's scheduler framework: pure, one concern, a reason for every "no". */
export interface FilterPlugin {
  readonly name: string;
  filter(input: FilterInput, cluster: Cluster): Verdict;
}

/** Points a score plugin gives one feasible cluster; a `note` says why whenever points are not 0. */
export interface Score {
  readonly points: number;
  readonly note?: string;
}

export const NO_POINTS: Score = { points: 0 };

/**
 * A Score plugin, as in Karmada's framework: the cluster's score is the sum over plugins. Scores
 * only order feasible clusters (for spread group choice and Aggregated packing); they never reject.
 */
export interface ScorePlugin {
  readonly name: string;
  score(input: PlacementInput, cluster: Cluster): Score;
}
