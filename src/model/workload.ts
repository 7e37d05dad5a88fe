import type { AccessMode, ConfigSourceSpec, DisruptionSpec, ProbesSpec, Replication, SecurityContextSpec, SpreadWithinCluster, VolumeSpec } from './workload-spec.js';

/**
 * An app's pod, disruption and autoscaling settings with every default applied
 * (phases/3-resolve/workload.ts). What is decided per cluster from them (a PodDisruptionBudget's
 * numbers, an autoscaler's bounds) is in the plan (model/plan.ts, ClusterWorkload).
 */
export interface WorkloadSettings {
  /** As written; ports stay names or numbers (the renderer resolves names for gRPC, whose probe takes only numbers). */
  readonly probes: ProbesSpec;
  readonly securityProfile?: 'restricted';
  /** Exact fields that win over the profile, as written. */
  readonly securityContext: SecurityContextSpec;
  readonly configFrom: readonly ConfigSourceSpec[];
  readonly volumes: readonly VolumeSpec[];
  readonly imagePullSecrets: readonly string[];
  /** On the app's ServiceAccount. */
  readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
  readonly spreadWithinCluster: SpreadWithinCluster;
  readonly terminationGracePeriodSeconds?: number;
  readonly disruption?: DisruptionSpec;
  readonly autoscaling?: AutoscalingSettings;
  /** For stateful apps: one claim template each. */
  readonly storage: readonly StorageSettings[];
  readonly replication: Replication;
}

export interface AutoscalingSettings {
  /** Fleet-wide (Divided, Aggregated) or per cluster (Duplicated), like `replicas`. */
  readonly min: number;
  readonly max: number;
  /** Target average utilization, in percent of the request; at least one of the two is set. */
  readonly cpu?: number;
  readonly memory?: number;
}

export interface StorageSettings {
  readonly name: string;
  readonly size: string;
  readonly storageClass?: string;
  readonly accessModes: readonly AccessMode[];
  readonly mountPath: string;
}
