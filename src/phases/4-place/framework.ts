import type { App, Cluster } from '../../model/fleet.js';
import type { ClusterAffinitySpec } from '../../model/spec.js';

/** A filter's answer for one cluster. `reason` completes the sentence "N cluster(s) …". */
export type Verdict = { readonly fit: true } | { readonly fit: false; readonly reason: string };

export const FIT: Verdict = { fit: true };

/** What filters see about the app being placed. */
export interface PlacementInput {
  readonly app: App;
  /** The affinity being tried: the rule's `clusters`, or one of its `fallback` groups. */
  readonly affinity: ClusterAffinitySpec;
}

/** A Filter plugin, as in Karmada's scheduler framework: pure, one concern, a reason for every "no". */
export interface FilterPlugin {
  readonly name: string;
  filter(input: PlacementInput, cluster: Cluster): Verdict;
}
