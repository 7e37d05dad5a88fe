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
  /** The mesh's SPIFFE trust domain, in AuthorizationPolicy principals; one for the whole multi-cluster mesh. */
  trustDomain: 'cluster.local',
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
