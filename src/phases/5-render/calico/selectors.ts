import type { Port } from '../../../model/fleet.js';
import { MANAGED_NAMESPACE_LABEL } from '../labels.js';

/**
 * Calico selector expressions and the labels fleet selects on. Only `==`, `in` and `&&`, which
 * Calico evaluates fastest; values single-quoted (all are DNS labels or label values, never quotes).
 * @see https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors
 */

/** On GlobalNetworkSets: `pods` (a cluster's pod CIDRs) or `eastwest-gateway` (a cluster's east-west gateway addresses). */
export const ROLE_LABEL = 'fleet.io/role';
/** On pod-CIDR GlobalNetworkSets: the cluster whose pods they hold. */
export const CLUSTER_LABEL = 'fleet.io/cluster';
/** On east-west gateway GlobalNetworkSets: the network the gateway serves. */
export const NETWORK_LABEL = 'fleet.io/network';

export const ISTIO_NAMESPACE = 'istio-system';

/** Namespaces fleet manages (it labels every Namespace it renders). */
export const managedNamespaces = `${MANAGED_NAMESPACE_LABEL} == 'true'`;

/** One namespace, by the label Calico puts on every namespace. */
export function namespaceIs(name: string): string {
  return `projectcalico.org/name == '${name}'`;
}

/** Any of these namespaces. */
export function namespacesIn(names: readonly string[]): string {
  return oneOf('projectcalico.org/name', [...names].sort());
}

/** An app's pods (fleet labels them `app: <name>`). */
export function appIs(name: string): string {
  return `app == '${name}'`;
}

/** The pod-CIDR sets of these clusters (used with `namespaceSelector: global()`). */
export function podsOf(clusters: readonly string[]): string {
  return `${ROLE_LABEL} == 'pods' && ${oneOf(CLUSTER_LABEL, clusters)}`;
}

/** The east-west gateway address sets of these clusters (used with `namespaceSelector: global()`). */
export function eastWestGatewaysOf(clusters: readonly string[]): string {
  return `${ROLE_LABEL} == 'eastwest-gateway' && ${oneOf(CLUSTER_LABEL, clusters)}`;
}

function oneOf(key: string, values: readonly string[]): string {
  return values.length === 1 ? `${key} == '${values[0]}'` : `${key} in {${values.map((v) => `'${v}'`).join(', ')}}`;
}

/**
 * Allow rules for these ports, one per transport (a Calico rule with ports needs one protocol).
 * `side` puts the peer on the rule's source (ingress) or destination (egress); ports always go on
 * the destination. The peer must name something (a selector, a set): never any address.
 */
export function allowRules(side: 'source' | 'destination', peer: Record<string, unknown>, ports: readonly Pick<Port, 'targetPort' | 'protocol'>[], rule: string): Record<string, unknown>[] {
  const byTransport = new Map<'TCP' | 'UDP', number[]>();
  for (const port of ports) {
    const transport = port.protocol === 'UDP' ? 'UDP' : 'TCP';
    byTransport.set(transport, [...(byTransport.get(transport) ?? []), port.targetPort]);
  }
  // An empty peer would be any address, the whole Internet for an egress rule: fleet never writes one.
  if (Object.keys(peer).length === 0) throw new Error('an allow rule without a peer (any address)');
  const peerKey = JSON.stringify(peer);
  return [...byTransport].map(([protocol, ports]) => ({
    [RULE_KEY]: `${side}\t${peerKey}\t${protocol}\t${ports.join(',')}\t${rule}`,
    action: 'Allow',
    protocol,
    source: side === 'source' ? peer : undefined,
    destination: side === 'destination' ? { ...peer, ports } : { ports },
    metadata: { annotations: { 'fleet.io/traffic-rule': rule } },
  }));
}

/** What a rule allowRules made holds, as a string (equal rules, equal keys); a symbol, so never rendered. */
const RULE_KEY = Symbol('rule key');

/** Rules without repeats, in order; a rule allowRules did not make is told by its JSON. */
export function uniqueRules(rules: readonly Record<string | symbol, unknown>[]): Record<string, unknown>[] {
  return [...new Map(rules.map((r) => [(r[RULE_KEY] as string | undefined) ?? JSON.stringify(r), r])).values()];
}
