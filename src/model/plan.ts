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

/** What rendering reads of a plan: where each app runs and what runs there. */
export interface Placement {
  readonly apps: readonly Pick<AppPlacement, 'namespace' | 'name' | 'clusters' | 'workloads'>[];
}

export interface AppPlacement {
  readonly namespace: string;
  readonly name: string;
  /**
   * Replicas per cluster as rendered (placement's division, then overrides; summed over versions),
   * clusters with none left out (the contract's shape).
   */
  readonly clusters: Readonly<Record<string, number>>;
  /**
   * Placement's own division, present only where an override changed a count: what the next run
   * keeps stable (the lock records it), while `clusters` is what runs.
   */
  readonly divided?: Readonly<Record<string, number>>;
  /** What runs in each cluster that runs the app, by cluster name: the rendered workloads, decided here. */
  readonly workloads: Readonly<Record<string, ClusterWorkload>>;
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

/** An app as it runs in one cluster: placement's replicas, then every override that selects it there. */
export interface ClusterWorkload {
  /** Replicas in the cluster, summed over the app's Deployments. */
  readonly replicas: number;
  /** The overrides applied here, in the order written (absent when none). */
  readonly overrides?: readonly string[];
  /** The app's labels after overrides (on every object of the app here). */
  readonly labels: Readonly<Record<string, string>>;
  /** Pod template annotations after overrides. */
  readonly podAnnotations: Readonly<Record<string, string>>;
  /** Annotations on the Deployments or StatefulSets themselves, from overrides (absent when none). */
  readonly workloadAnnotations?: Readonly<Record<string, string>>;
  /** The container's command, args and resources where an override changed them from the app's (absent otherwise). */
  readonly container?: ContainerOverrides;
  /**
   * One Deployment per version (one for an app without versions), in the app's version order.
   * A stateful app's are StatefulSets, named and split the same way.
   */
  readonly deployments: readonly DeploymentPlan[];
  /** The PodDisruptionBudget here, from the app's `disruption` and the replicas here (absent without one). */
  readonly disruptionBudget?: DisruptionBudgetPlan;
  /** This cluster's share of the app's `autoscaling` (absent without it, or with no replicas here). */
  readonly autoscaling?: AutoscalingPlan;
  /**
   * The `patches` of the overrides that select the app here, in the order they apply (overrides in
   * the order written, each one's patches in order); absent when none. Rendering applies them to
   * the app's objects here after rendering them (src/phases/5-render/patches/apply.ts).
   */
  readonly patches?: readonly PatchPlan[];
}

/** What overrides changed of an app's container in one cluster. */
export interface ContainerOverrides {
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  /** The app's requests and limits with the overrides' over them, per resource. */
  readonly resources?: { readonly requests: Readonly<Record<string, string>>; readonly limits: Readonly<Record<string, string>> };
}

/** One JSON patch operation an override applies to an app's objects in one cluster. */
export interface PatchPlan {
  readonly override: string;
  /** Its index in the override's `patches`. */
  readonly index: number;
  /** What it does, for `fleet explain`: `replace /spec/type on Service nginx`. */
  readonly summary: string;
}

/**
 * One PodDisruptionBudget over every pod of the app in one cluster (see
 * src/phases/4-place/disruption.ts). Exactly one of `minAvailable`, `maxUnavailable`: a number,
 * or the percentage as written (the disruption controller applies it to the pods it finds).
 */
export interface DisruptionBudgetPlan {
  readonly minAvailable?: number | string;
  readonly maxUnavailable?: number | string;
  /** Pods that may be evicted at once when the cluster runs the pods this budget was computed for. */
  readonly allowed: number;
  /** The pod count it was computed for: the replicas here, or the autoscaler's minimum here. */
  readonly pods: number;
  /** How the numbers came about, for `fleet explain`. */
  readonly why: string;
}

/** The autoscaler bounds of one cluster (summed over its HorizontalPodAutoscalers, one per workload). */
export interface AutoscalingPlan {
  readonly min: number;
  readonly max: number;
  /** How the fleet's bounds were divided to give these, for `fleet explain`. */
  readonly why: string;
}

/** One Deployment of an app in one cluster. */
export interface DeploymentPlan {
  /** See src/model/names.ts: the first version's Deployment is named after the app. */
  readonly name: string;
  /** The version it runs; absent for an app without versions. */
  readonly version?: string;
  /** The version's own image, rewritten by overrides (registry, tag). */
  readonly image: string;
  readonly replicas: number;
  /** The app's variables, the version's over them, then the overrides', in order. */
  readonly env: readonly { readonly name: string; readonly value: string }[];
  /**
   * The bounds of this workload's HorizontalPodAutoscaler. When present the autoscaler owns the
   * replica count: the rendered workload leaves `replicas` out, and `replicas` above is what
   * placement divided (the weight this workload's bounds were divided by).
   */
  readonly autoscaler?: { readonly minReplicas: number; readonly maxReplicas: number };
}

export interface ClusterDecision {
  readonly cluster: string;
  /** Replicas as rendered (after overrides). */
  readonly replicas: number;
  /** Placement's division here, present only when an override changed it. */
  readonly divided?: number;
  /** The overrides whose `replicas` set the count here (the last one wins). */
  readonly replicasFrom?: string;
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
  /** The cluster's rank among feasible clusters (1 = best): score, then weight (static weight or available replicas), then the app's tie order, then name. */
  readonly rank?: number;
  /** The sum of the score plugins' points; higher ranks first in spread and Aggregated selection. */
  readonly score?: number;
  /** Why the score is what it is, one note per plugin that gave points. */
  readonly scoreNotes?: readonly string[];
  /**
   * The per-cluster bound the count here sits at, and where it was set (a weight entry or the rule):
   * `at its max 6 (weights[0])`, `at its min 4 (the rule)`. Absent when it sits at neither.
   */
  readonly bound?: string;
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
