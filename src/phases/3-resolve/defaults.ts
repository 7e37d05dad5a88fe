/**
 * Every default fleet applies, in one place, each with the reason. Nothing else in fleet invents a
 * value the user did not write; docs/spec.md lists these same defaults.
 */
export const DEFAULTS = {
  /** An app's namespace is its own name: one app per namespace keeps network policy and RBAC simple. */
  namespace: (appName: string) => appName,
  /** One replica: the smallest thing that runs. */
  replicas: 1,
  /** Ports speak HTTP unless they say otherwise (Istio then routes them at layer 7). */
  portProtocol: 'HTTP' as const,
  /** A placement rule without a strategy copies the app to every chosen cluster (as Karmada does). */
  strategy: 'Duplicated' as const,
  /** Rules without a priority rank at 0. */
  priority: 0,
  /** The east-west gateway's mTLS port, Istio's default. */
  eastWestGatewayPort: 15443,
  /** Where ingress gateways run, Istio's recommended namespace. */
  gatewayNamespace: 'istio-ingress',
  /** Labels of the ingress gateway pods, as Istio's gateway chart sets them. */
  gatewaySelector: { istio: 'ingressgateway' } as Record<string, string>,
  /**
   * The ingress gateway pods' service account (their mesh identity in AuthorizationPolicies): Istio's
   * gateway Helm chart names it after the release, `istio-ingressgateway` in Istio's install docs
   * (the same release name gives the default selector `istio: ingressgateway`).
   */
  gatewayServiceAccount: 'istio-ingressgateway',
  /** The gateway's listener: HTTPS on 443 when it has a TLS secret, else HTTP on 80. */
  gatewayPort: (tls: boolean) => (tls ? 443 : 80),
  /** Sidecars talk mutual TLS with mesh-issued certificates (DestinationRule `tls.mode`). */
  tls: 'ISTIO_MUTUAL' as const,
  /**
   * Outlier detection added to a DestinationRule whose rule asks for `failover` but sets none:
   * without it failover never happens (Envoy stays on the local priority). 5 consecutive 5xx within
   * a 10s scan eject a host for 30s; up to 100% of a locality may be ejected, so a whole failed
   * region fails over (Istio's default of 10% can stall failover, istio/istio#34605).
   */
  failoverOutlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 100 },
  /**
   * Callers prefer the destination's endpoints nearest to them (`locality: Nearest`): a call that
   * can be served in the caller's region should not cross an ocean. Istio applies locality
   * priorities only when the DestinationRule has outlier detection (pilot `loadbalancer.go`,
   * `ApplyToCluster`: `enableFailover := ... c.OutlierDetection != nil`), so a destination that runs
   * in more than one cluster gets `failoverOutlierDetection` unless its rules set their own.
   */
  locality: 'Nearest' as const,
  /**
   * The ejection cap fleet writes into outlier detection that leaves it out, wherever locality
   * priorities apply: Envoy moves traffic to the next locality only once the local hosts are ejected,
   * and Istio's default of 10% of the hosts can stall failover (istio/istio#34605).
   */
  maxEjectionPercent: 100,
  /**
   * `mesh.mtls`: STRICT. Every workload fleet renders runs a sidecar (its namespace is labelled for
   * injection) and every caller fleet allows is in the mesh, so plaintext only comes from outside
   * it; the AuthorizationPolicies name callers by their mTLS identity, and cross-network calls need
   * mTLS anyway (docs/traffic.md, "mTLS and authorization").
   */
  mtls: 'STRICT' as const,
  /**
   * `mesh.provider`: Istio. fleet's traffic features (routing, splits, failover, mTLS identities)
   * are Istio's; `none` is for clusters that run no mesh, such as KubeFed-style plain fleets.
   */
  meshProvider: 'istio' as const,
  /**
   * `platform.networkPolicy`: Calico, whose tiers keep the platform baseline (DNS, istiod) ahead of
   * every app policy. `kubernetes` renders `networking.k8s.io/v1` NetworkPolicies from the same
   * traffic graph, for clusters without Calico's API.
   */
  networkPolicy: 'calico' as const,
  /** The mesh's SPIFFE trust domain, in AuthorizationPolicy principals; one for the whole multi-cluster mesh. */
  trustDomain: 'cluster.local',
  /**
   * `platform:`, what the `fleet-platform` Calico tier keeps open under the default deny:
   * - DNS from CoreDNS pods (`k8s-app: kube-dns` in kube-system, kubeadm's and most distributions'
   *   labels); `node-local` adds NodeLocal DNSCache's link-local address, 169.254.20.10 in the
   *   Kubernetes docs ("Using NodeLocal DNSCache in Kubernetes Clusters"); its pods run on the host
   *   network, so only their address can be allowed;
   * - scrapes from Prometheus in `monitoring` (kube-prometheus-stack's usual namespace; the
   *   Prometheus Operator labels its pods `app.kubernetes.io/name: prometheus`) on the sidecar's
   *   ports: 15020, the agent's merged app and proxy metrics (Istio's default metrics merging), and
   *   15090, Envoy's own stats (research: mesh-behaviour.md Istio §9);
   * - no telemetry collectors: traces and logs go nowhere unless the spec names a collector.
   */
  platform: {
    dns: { mode: 'kube-dns', nodeLocalAddresses: ['169.254.20.10'] },
    monitoring: { namespaces: ['monitoring'], podLabels: { 'app.kubernetes.io/name': 'prometheus' }, ports: [15020, 15090] },
  },
  /**
   * An autoscaler without a metric targets 80% of the CPU request, the target Kubernetes itself
   * uses when an autoscaling/v1 HPA or `kubectl autoscale` names none; fleet writes it out.
   */
  autoscalingCpu: 80,
  /** A storage claim is mounted by one node at a time: the only mode every volume plugin offers. */
  storageAccessModes: ['ReadWriteOnce'] as const,
  /** Pods are not spread within a cluster unless asked: the scheduler's own defaults apply. */
  spreadWithinCluster: 'none' as const,
  /**
   * A stateful app's members replicate among themselves, inside its StatefulSet, so it runs in one
   * cluster: split over two, it would be two independent copies of the data (karmada#4581).
   */
  replication: 'in-cluster' as const,
  /**
   * StatefulSet fields fleet writes out though they are Kubernetes' own defaults, so `fleet diff`
   * shows them and a change of Kubernetes' defaults cannot change a running database:
   * - `podManagementPolicy: OrderedReady`: pods start one at a time, each once the one before is
   *   Ready (a primary before its replicas);
   * - `updateStrategy: RollingUpdate`: pods are replaced one at a time, highest ordinal first;
   * - `persistentVolumeClaimRetentionPolicy: Retain` on delete and on scale-down: the data outlives
   *   the StatefulSet, so a prune or a placement change never deletes a volume.
   */
  statefulSet: {
    podManagementPolicy: 'OrderedReady',
    updateStrategy: { type: 'RollingUpdate' },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
  },
  /**
   * `flux:`. The name never changes by itself (renaming a Flux Kustomization prunes and re-creates
   * everything it applied); `flux-system` is the GitRepository `flux bootstrap` creates; the
   * infrastructure names say what they install, in the style of Flux's example repository
   * (`infra-controllers`, `infra-configs`).
   */
  flux: {
    name: 'fleet',
    path: './out',
    interval: '10m',
    sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    dependsOn: { istio: ['infra-istio'], calico: ['infra-calico'] },
  },
} as const;
