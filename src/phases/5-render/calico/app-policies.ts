import type { Construct } from 'constructs';
import type { App, Port } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import type { TrafficEdge } from '../../../model/traffic.js';
import { FleetObject } from '../fleet-object.js';
import { gatewayByAddress, type Topology } from '../../4-place/topology.js';
import { ORDER } from './baseline.js';
import { allowRules, appIs, eastWestGatewaysOf, ISTIO_NAMESPACE, namespaceIs, podsOf, uniqueRules } from './selectors.js';

/** The GlobalNetworkSets a cluster's policies name: pod CIDRs of clusters, east-west gateways of networks. */
export interface NetworkSetsNeeded {
  readonly pods: Set<string>;
  /** Clusters whose east-west gateway a policy here names. */
  readonly eastWestGateways: Set<string>;
}

/**
 * The ingress allow-list of a destination in one cluster where it runs (R8), one group of rules per
 * edge into it (recipe: research/traffic-anchors.md §7.2):
 * - callers in this cluster by identity: their namespace and service account (Calico's zero-trust recipe);
 * - callers in other clusters that Istio sends here directly (this network, or a network without
 *   east-west gateways: Topology.inbound) by their cluster's pod CIDRs (Calico cannot see remote
 *   pods' labels), and likewise the east-west gateways of other clusters of this network that
 *   callers on other networks are sent to for this app's pods, which forward to pods here;
 * - traffic from other networks through this cluster's own east-west gateway.
 * Identity across clusters is Istio's to enforce (the AuthorizationPolicy).
 */
export function renderIngressPolicy(scope: Construct, app: App, cluster: string, topology: Topology, needed: NetworkSetsNeeded, labels: Record<string, string>, source: ManifestSource): void {
  const rules: Record<string, unknown>[] = [];
  for (const edge of topology.callersOf(app.id)) {
    const ports = portsOf(app, edge);
    const from = topology.inbound(cluster, topology.callerClusters(edge), topology.placed(app.id));
    if (from.local) {
      const { namespace, serviceAccount } = topology.identityOf(edge.caller);
      rules.push(...allowRules('source', { namespaceSelector: namespaceIs(namespace), serviceAccounts: { names: [serviceAccount] } }, ports, edge.rule.name));
    }
    rules.push(...byPodCIDRs('source', from.pods, topology, needed, ports, edge.rule.name));
    if (from.eastWestGateway) {
      rules.push(...allowRules('source', { namespaceSelector: namespaceIs(ISTIO_NAMESPACE), selector: "istio == 'eastwestgateway'" }, ports, edge.rule.name));
    }
  }
  renderPolicy(scope, app, 'ingress', rules, labels, source);
}

/**
 * The egress allow-list of a caller in one cluster where it runs (R9), one group of rules per edge
 * out of it, towards every cluster Istio may send the request to: destination pods here by label,
 * pods Istio reaches directly by pod CIDRs, networks with east-west gateways through those gateways
 * on their mTLS port. Every allow names its peer: never any address (the traffic checks refuse a
 * peer without `podCIDRs` and a gateway given by host name, which a GlobalNetworkSet cannot hold).
 */
export function renderEgressPolicy(scope: Construct, app: App, cluster: string, topology: Topology, needed: NetworkSetsNeeded, labels: Record<string, string>, source: ManifestSource): void {
  const rules: Record<string, unknown>[] = [];
  for (const edge of topology.calledBy(app.id)) {
    const destination = topology.apps.get(edge.to)!;
    const ports = portsOf(destination, edge);
    const to = topology.outbound(cluster, topology.placed(destination.id));
    if (to.local) rules.push(...allowRules('destination', { namespaceSelector: namespaceIs(destination.namespace), selector: appIs(destination.name) }, ports, edge.rule.name));
    rules.push(...byPodCIDRs('destination', to.pods, topology, needed, ports, edge.rule.name));
    // One rule per gateway, so a cluster leaving (or joining) is one rule removed (or added) in a diff.
    for (const gateway of to.gateways) {
      if (!gatewayByAddress(gateway)) throw new Error(`the east-west gateway of ${gateway.name} has a host name (traffic_gateway_host_name is an error)`);
      needed.eastWestGateways.add(gateway.name);
      const port = [{ targetPort: gateway.eastWestGateway!.port, protocol: 'TCP' as const }];
      rules.push(...allowRules('destination', { namespaceSelector: 'global()', selector: eastWestGatewaysOf([gateway.name]) }, port, edge.rule.name));
    }
  }
  renderPolicy(scope, app, 'egress', rules, labels, source);
}

function renderPolicy(scope: Construct, app: App, direction: 'ingress' | 'egress', rules: Record<string, unknown>[], labels: Record<string, string>, source: ManifestSource): void {
  const unique = uniqueRules(rules);
  if (unique.length === 0) return;
  new FleetObject(
    scope,
    `NetworkPolicy/${app.namespace}/${app.name}-${direction}`,
    {
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: `${app.name}-${direction}`, namespace: app.namespace, labels },
      spec: {
        order: direction === 'ingress' ? ORDER.appIngress : ORDER.appEgress,
        selector: appIs(app.name),
        types: [direction === 'ingress' ? 'Ingress' : 'Egress'],
        [direction]: unique,
      },
    },
    source,
  );
}

/**
 * Rules for pods of other clusters, by their clusters' pod-CIDR sets. Every such cluster has
 * `podCIDRs`: the traffic checks make one without them an error (`traffic_missing_pod_cidrs`),
 * because the only other way to write the rule is to any address.
 */
function byPodCIDRs(side: 'source' | 'destination', clusters: readonly string[], topology: Topology, needed: NetworkSetsNeeded, ports: Port[], rule: string): Record<string, unknown>[] {
  if (clusters.length === 0) return [];
  for (const c of clusters) if (topology.clusters.get(c)!.podCIDRs.length === 0) throw new Error(`cluster ${c} has no podCIDRs (traffic_missing_pod_cidrs is an error)`);
  clusters.forEach((c) => needed.pods.add(c));
  return allowRules(side, { namespaceSelector: 'global()', selector: podsOf(clusters) }, ports, rule);
}

function portsOf(app: App, edge: TrafficEdge): Port[] {
  return app.ports.filter((p) => edge.ports.includes(p.name));
}
