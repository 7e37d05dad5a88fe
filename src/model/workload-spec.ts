/**
 * The parts of an app's spec that shape its pods, its disruption budget and its autoscaling
 * (schema/fleet.schema.json, docs/spec.md "Production workloads"), as written.
 */

/** The name of one of the app's ports, or a container port number. */
export type ProbePort = string | number;

export interface ProbeSpec {
  http?: { path?: string; port: ProbePort; scheme?: 'HTTP' | 'HTTPS'; headers?: Record<string, string> };
  tcp?: { port: ProbePort };
  grpc?: { port: ProbePort; service?: string };
  exec?: string[];
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export type ProbeKind = 'readiness' | 'liveness' | 'startup';
export type ProbesSpec = Partial<Record<ProbeKind, ProbeSpec>>;

export interface SeccompProfileSpec {
  type: 'RuntimeDefault' | 'Localhost' | 'Unconfined';
  localhostProfile?: string;
}

/** Kubernetes PodSecurityContext fields fleet lets a spec set. */
export interface PodSecurityContextSpec {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  fsGroup?: number;
  fsGroupChangePolicy?: 'OnRootMismatch' | 'Always';
  supplementalGroups?: number[];
  seccompProfile?: SeccompProfileSpec;
}

/** Kubernetes (container) SecurityContext fields fleet lets a spec set. */
export interface ContainerSecurityContextSpec {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: SeccompProfileSpec;
}

export interface SecurityContextSpec {
  pod?: PodSecurityContextSpec;
  container?: ContainerSecurityContextSpec;
}

export interface ConfigSourceSpec {
  configMap?: string;
  secret?: string;
  prefix?: string;
  optional?: boolean;
}

export interface VolumeSpec {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  configMap?: string;
  secret?: string;
  emptyDir?: { medium?: 'Memory'; sizeLimit?: string | number };
  persistentVolumeClaim?: string;
}

export type AccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';

export interface StorageSpec {
  name: string;
  size: string | number;
  storageClass?: string;
  accessModes?: AccessMode[];
  mountPath: string;
}

/** A count, or a percentage such as `25%`. */
export type IntOrPercent = number | string;

export interface DisruptionSpec {
  maxUnavailable?: IntOrPercent;
  minAvailable?: IntOrPercent;
}

export interface AutoscalingSpec {
  min: number;
  max: number;
  cpu?: number;
  memory?: number;
}

export type SpreadWithinCluster = 'zone' | 'hostname' | 'none';
export type Replication = 'in-cluster' | 'external';

/** The fields above as they appear on an app. */
export interface WorkloadFieldsSpec {
  probes?: ProbesSpec;
  securityProfile?: 'restricted';
  securityContext?: SecurityContextSpec;
  configFrom?: ConfigSourceSpec[];
  volumes?: VolumeSpec[];
  imagePullSecrets?: string[];
  serviceAccount?: { annotations?: Record<string, string> };
  spreadWithinCluster?: SpreadWithinCluster;
  terminationGracePeriodSeconds?: number;
  disruption?: DisruptionSpec;
  autoscaling?: AutoscalingSpec;
  storage?: StorageSpec[];
  replication?: Replication;
}
