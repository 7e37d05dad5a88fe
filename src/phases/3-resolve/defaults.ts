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
} as const;
