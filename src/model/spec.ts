/**
 * The spec as written (schema/fleet.schema.json), after every file of the spec is merged.
 * Optional fields stay optional here: defaults are applied in one place, phases/3-resolve/defaults.ts.
 */

import type { WorkloadFieldsSpec } from './workload-spec.js';

export type Labels = Record<string, string>;
export type EnvMap = Record<string, string | number | boolean>;
export type Quantity = string | number;

export interface FleetSpec {
  apiVersion: 'fleet/v1alpha1';
  kind: 'Fleet';
  metadata: { name: string };
  clusters: ClusterSpec[];
  apps: AppSpec[];
  placement: PlacementRuleSpec[];
  overrides: OverrideSpec[];
  gateways: GatewaySpec[];
  traffic: TrafficRuleSpec[];
  /** Opt-in Flux entrypoints; set in one file of the spec. */
  flux?: FluxSpec;
  /** How fleet's namespaces join the Istio mesh; set in one file of the spec. */
  mesh?: MeshSpec;
  /** The platform services managed pods use and are used by (DNS, monitoring, telemetry); set in one file of the spec. */
  platform?: PlatformSpec;
}

export const SECTIONS = ['clusters', 'apps', 'placement', 'overrides', 'gateways', 'traffic'] as const;
export type Section = (typeof SECTIONS)[number];

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface ClusterSpec {
  name: string;
  region?: string;
  zone?: string;
  provider?: string;
  network?: string;
  podCIDRs?: string[];
  eastWestGateway?: { addresses: string[]; port?: number };
  labels?: Labels;
  taints?: Taint[];
  capacity?: { cpu?: Quantity; memory?: Quantity; pods?: number };
  /** Overrides `mesh.provider` for this cluster (docs/spec.md#mesh-and-network-policy-per-cluster). */
  mesh?: MeshProvider;
  /** Overrides `platform.networkPolicy` for this cluster. */
  networkPolicy?: NetworkPolicyProvider;
}

/** Whether a cluster runs Istio (`istio`: fleet renders sidecar injection and Istio objects there) or no mesh (`none`). */
export type MeshProvider = 'istio' | 'none';

/** Which network policy a cluster gets from the traffic graph: Calico's, Kubernetes' own (`networking.k8s.io/v1`), or none. */
export type NetworkPolicyProvider = 'calico' | 'kubernetes' | 'none';

export type PortProtocol = 'HTTP' | 'HTTP2' | 'GRPC' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP';

export interface PortSpec {
  name: string;
  port: number;
  targetPort?: number;
  protocol?: PortProtocol;
}

export interface ResourcesSpec {
  requests?: Record<string, Quantity>;
  limits?: Record<string, Quantity>;
}

export interface VersionSpec {
  name: string;
  image?: string;
  env?: EnvMap;
  replicas?: number;
}

/** The app's pod, disruption and autoscaling fields are in ./workload-spec.ts. */
export interface AppSpec extends WorkloadFieldsSpec {
  name: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
  image?: string;
  command?: string[];
  args?: string[];
  replicas?: number;
  ports?: PortSpec[];
  /** `none`: the app is meant to take no calls, so no traffic rule may name it (docs/traffic.md#apps-nothing-calls). */
  callers?: 'none';
  resources?: ResourcesSpec;
  env?: EnvMap;
  versions?: VersionSpec[];
  stateful?: boolean;
  allowMoveFrom?: string[];
  /** A folder of the app's own manifests, relative to the spec file that names it (docs/spec.md#the-apps-own-manifests). */
  manifests?: string;
}

export interface MatchExpression {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface AppSelectorSpec {
  names?: string[];
  namespaces?: string[];
  matchLabels?: Labels;
  matchExpressions?: MatchExpression[];
}

export interface ClusterAffinitySpec {
  names?: string[];
  matchLabels?: Labels;
  matchExpressions?: MatchExpression[];
  exclude?: string[];
}

export interface Toleration {
  key?: string;
  operator?: 'Equal' | 'Exists';
  value?: string;
  effect?: Taint['effect'];
}

export interface SpreadConstraintSpec {
  by: string;
  minGroups?: number;
  maxGroups?: number;
}

export type ReplicaStrategy = 'Duplicated' | 'Divided' | 'Aggregated';

export interface WeightSpec {
  clusters: ClusterAffinitySpec;
  weight: number;
  /** Floor for the clusters this entry weighs; replaces the rule's `replicas.min` there. */
  min?: number;
  /** Cap for the clusters this entry weighs; replaces the rule's `replicas.max` there. */
  max?: number;
}

export interface PlacementRuleSpec {
  name: string;
  apps: AppSelectorSpec;
  priority?: number;
  clusters?: ClusterAffinitySpec;
  fallback?: { clusters: ClusterAffinitySpec }[];
  tolerations?: Toleration[];
  spread?: SpreadConstraintSpec[];
  replicas?: {
    strategy?: ReplicaStrategy;
    weights?: WeightSpec[];
    dynamic?: 'AvailableReplicas';
    min?: number;
    max?: number;
  };
}

export interface OverrideSpec {
  name: string;
  apps: AppSelectorSpec;
  clusters: ClusterAffinitySpec;
  image?: { registry?: string; repository?: string; tag?: string };
  env?: EnvMap;
  labels?: Labels;
  /** On the pods (a change restarts them). */
  annotations?: Record<string, string>;
  /** On the Deployment or StatefulSet itself (a change restarts nothing). */
  workloadAnnotations?: Record<string, string>;
  resources?: ResourcesSpec;
  command?: string[];
  args?: string[];
  replicas?: number;
  /** RFC 6902 operations on the rendered objects of the selected apps in the selected clusters, after fleet's own rendering. */
  patches?: PatchSpec[];
}

/** One JSON Patch operation (RFC 6902) and the objects it applies to. */
export interface PatchSpec {
  /** The app's objects of this kind (and apiVersion, name, when given) in each selected cluster. */
  target: { kind: string; name?: string; apiVersion?: string };
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  /** A JSON Pointer (RFC 6901): `/spec/template/spec/containers/0/image`; `~1` is `/`, `~0` is `~`. */
  path: string;
  /** For `move` and `copy`: where the value comes from, a JSON Pointer. */
  from?: string;
  /** For `add`, `replace` and `test`. */
  value?: unknown;
}

export interface GatewaySpec {
  name: string;
  namespace?: string;
  clusters?: ClusterAffinitySpec;
  hosts: string[];
  selector?: Labels;
  serviceAccount?: string;
  port?: number;
  tlsSecret?: string;
}

export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export type TrafficSource = string | { ingress: string } | { apps: AppSelectorSpec };

export interface TrafficRuleSpec {
  name: string;
  from: TrafficSource[];
  to: string;
  ports?: string[];
  split?: Record<string, number>;
  match?: { headers?: Record<string, StringMatch>; uri?: StringMatch; version: string }[];
  retries?: { attempts?: number; perTryTimeout?: string; retryOn?: string };
  timeout?: string;
  fault?: {
    delay?: { fixedDelay: string; percent?: number };
    abort?: { httpStatus: number; percent?: number };
  };
  mirror?: { version: string; percent?: number };
  failover?: { from: string; to: string }[];
  outlierDetection?: {
    consecutive5xxErrors?: number;
    interval?: string;
    baseEjectionTime?: string;
    maxEjectionPercent?: number;
  };
  connectionPool?: { maxConnections?: number; maxPendingRequests?: number; maxRequestsPerConnection?: number };
  tls?: 'ISTIO_MUTUAL' | 'DISABLE';
  /** Whether callers prefer the destination's endpoints nearest to them (docs/traffic.md, "Keeping traffic near"). */
  locality?: LocalityMode;
}

/** `Nearest`: callers use the endpoints of their own locality while healthy; `Any`: spread over every locality. */
export type LocalityMode = 'Nearest' | 'Any';

/** `mesh:`: how the namespaces fleet manages join the Istio mesh (docs/spec.md). */
export interface MeshSpec {
  /** Peer authentication of the managed namespaces. */
  mtls?: 'STRICT' | 'PERMISSIVE';
  /** An Istio revision (or revision tag): namespaces get `istio.io/rev: <revision>` instead of `istio-injection: enabled`. */
  revision?: string;
  /** `istio` (default) or `none`: whether the clusters run a mesh; a cluster's own `mesh` overrides it. */
  provider?: MeshProvider;
}

/** `platform:`: what the `fleet-platform` Calico tier keeps open for managed pods under the default deny (docs/spec.md#platform). */
export interface PlatformSpec {
  /** `calico` (default), `kubernetes` or `none`; a cluster's own `networkPolicy` overrides it. */
  networkPolicy?: NetworkPolicyProvider;
  dns?: { mode?: 'kube-dns' | 'node-local'; nodeLocalAddresses?: string[] };
  monitoring?: { namespaces?: string[]; podLabels?: Labels; ports?: number[] };
  telemetry?: { name: string; namespace: string; podLabels: Labels; ports: number[] }[];
}

/** `flux:`: emit one Flux Kustomization per cluster that applies its output folder (docs/gitops.md). */
export interface FluxSpec {
  name?: string;
  path?: string;
  interval?: string;
  sourceRef?: { kind?: 'GitRepository' | 'OCIRepository' | 'Bucket' | 'ExternalArtifact'; name: string };
  dependsOn?: { istio?: string[]; calico?: string[] };
}
