import type { AppSpec, ClusterSpec, FluxSpec, GatewaySpec, Labels, MeshProvider, MeshSpec, NetworkPolicyProvider, PlatformSpec, OverrideSpec, PlacementRuleSpec, PortProtocol, Taint, TrafficRuleSpec } from './spec.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { KubeObject } from './manifest.js';
import type { WorkloadSettings } from './workload.js';

/**
 * The fleet after phase 3: every default applied (phases/3-resolve/defaults.ts), names resolved,
 * lists sorted by name. Each object keeps `spec`, the object as written, so later phases can point
 * diagnostics at the YAML through the SourceMap.
 */
export interface ResolvedFleet {
  readonly name: string;
  /** Sorted by name. */
  readonly clusters: readonly Cluster[];
  /** Sorted by namespace, then name. */
  readonly apps: readonly App[];
  readonly overrides: readonly OverrideSpec[];
  readonly gateways: readonly GatewaySpec[];
  readonly traffic: readonly TrafficRuleSpec[];
  /** Present when the spec opts in to Flux entrypoints (`flux:`). */
  readonly flux?: FluxSettings;
  /** `mesh:` with every default applied (also when the spec has no `mesh:`). */
  readonly mesh: MeshSettings;
  /** `platform:` with every default applied (also when the spec has no `platform:`). */
  readonly platform: PlatformSettings;
}

/** The platform services the `fleet-platform` Calico tier keeps reachable (calico/baseline.ts). */
export interface PlatformSettings {
  /** How pods resolve names: CoreDNS pods (`kube-dns`), or NodeLocal DNSCache on each node's link-local address too (`node-local`). */
  readonly dns: { readonly mode: 'kube-dns' | 'node-local'; readonly nodeLocalAddresses: readonly string[] };
  /** Who scrapes managed pods, and on which target ports. */
  readonly monitoring: { readonly namespaces: readonly string[]; readonly podLabels: Readonly<Record<string, string>>; readonly ports: readonly number[] };
  /** Collectors managed pods send telemetry to (none by default), sorted by name. */
  readonly telemetry: readonly { readonly name: string; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>>; readonly ports: readonly number[] }[];
  /** The fleet-wide network policy provider; each cluster's own is `Cluster.networkPolicy`. */
  readonly networkPolicy: NetworkPolicyProvider;
  /** `platform:` as written, when the spec has one. */
  readonly spec?: PlatformSpec;
}

/** How the namespaces fleet manages join the Istio mesh. */
export interface MeshSettings {
  /** The PeerAuthentication mode of every managed namespace. */
  readonly mtls: 'STRICT' | 'PERMISSIVE';
  /** The Istio revision namespaces are labelled with (`istio.io/rev`); without one, `istio-injection: enabled`. */
  readonly revision?: string;
  /** The fleet-wide mesh provider; each cluster's own is `Cluster.mesh`. */
  readonly provider: MeshProvider;
  /** `mesh:` as written, when the spec has one. */
  readonly spec?: MeshSpec;
}

/** `flux:` with every default applied. */
export interface FluxSettings {
  /** The Kustomization's name, the same on every cluster. */
  readonly name: string;
  /** The output folder's path from the repository root; a cluster's Kustomization applies `<path>/<cluster>`. */
  readonly path: string;
  readonly interval: string;
  readonly sourceRef: { readonly kind: string; readonly name: string };
  /** Infrastructure Kustomizations to wait for, on clusters whose output uses Istio and Calico APIs. */
  readonly dependsOn: { readonly istio: readonly string[]; readonly calico: readonly string[] };
  readonly spec: FluxSpec;
}

export interface Capacity {
  /** Nano-cores. */
  readonly cpu?: bigint;
  /** Nano-bytes (bytes × 1e9), so every quantity is an exact integer. */
  readonly memory?: bigint;
  readonly pods?: number;
}

export interface Cluster {
  readonly name: string;
  readonly region?: string;
  readonly zone?: string;
  readonly provider?: string;
  readonly network?: string;
  /** Pod address ranges, for cross-cluster network policy on a shared network. */
  readonly podCIDRs: readonly string[];
  /** The Istio east-west gateway, for traffic from other networks. */
  readonly eastWestGateway?: { readonly addresses: readonly string[]; readonly port: number };
  readonly labels: Labels;
  readonly taints: readonly Taint[];
  readonly capacity: Capacity;
  /** Whether the cluster runs Istio: its own `mesh`, else `mesh.provider`. */
  readonly mesh: MeshProvider;
  /** The network policy rendered there: its own `networkPolicy`, else `platform.networkPolicy`. */
  readonly networkPolicy: NetworkPolicyProvider;
  readonly spec: ClusterSpec;
}

export interface Port {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
  readonly protocol: PortProtocol;
}

export interface Version {
  readonly name: string;
  readonly image: string;
  readonly env: readonly (readonly [string, string])[];
  readonly replicas?: number;
}

export interface App {
  readonly name: string;
  readonly namespace: string;
  /** `namespace/name`: an app's identity. */
  readonly id: string;
  readonly labels: Labels;
  readonly annotations: Record<string, string>;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly replicas: number;
  readonly ports: readonly Port[];
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  /** In the order written; values as strings. */
  readonly env: readonly (readonly [string, string])[];
  /** Empty when the app has no versions. */
  readonly versions: readonly Version[];
  readonly stateful: boolean;
  readonly allowMoveFrom: readonly string[];
  /** The objects of the app's `manifests` folder, as read and checked (phases/3-resolve/app-manifests.ts); empty without one. */
  readonly manifests: readonly AppManifest[];
  /** Probes, security, config, volumes, disruption budget, autoscaling, storage (model/workload.ts). */
  readonly workload: WorkloadSettings;
  /** The placement rule that governs this app (highest precedence among the rules that select it). */
  readonly placementRule: PlacementRuleSpec;
  /** Other rules that also selected the app, in precedence order: shown by `fleet explain`. */
  readonly shadowedRules: readonly string[];
  readonly spec: AppSpec;
}

/**
 * One object of an app's `manifests` folder: forced into the app's namespace and labelled like
 * fleet's own objects, sent wherever the app runs.
 */
export interface AppManifest {
  readonly object: KubeObject;
  /** The manifest file, relative to the spec's folder (for the generated-file header). */
  readonly file: string;
  /** Where its `metadata.name` is, for name collisions with what fleet renders. */
  readonly nameSpan: Span;
}
