import { isIP } from 'node:net';
import type { Construct } from 'constructs';
import type { App, Cluster, PlatformSettings, Port } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import type { TrafficEdge } from '../../../model/traffic.js';
import { ISTIO_NAMESPACE } from '../calico/selectors.js';
import { FleetObject } from '../fleet-object.js';
import type { Topology } from '../../4-place/topology.js';

/**
 * `networkPolicy: kubernetes`: the traffic graph as `networking.k8s.io/v1` NetworkPolicies, for
 * clusters without Calico's API. The same allow-lists as the Calico policies (docs/traffic.md,
 * "Kubernetes NetworkPolicies"), in what Kubernetes' API can say:
 *
 * - in every managed namespace, `fleet-default-deny` (`podSelector: {}`, both policy types, no
 *   rules): the Kubernetes docs' "Default deny all ingress and all egress traffic". Policies are
 *   additive (a connection passes when any policy selecting the pod allows it), so there are no
 *   tiers, orders or Pass: the allows below add up;
 * - `fleet-platform`: DNS to the kube-dns pods (and NodeLocal DNSCache's addresses), istiod where
 *   Istio runs, scrapes from the monitoring pods, the telemetry collectors (`platform:`);
 * - per app where it runs, `<app>-ingress` and `<app>-egress`: peers in this cluster by namespace
 *   (the `kubernetes.io/metadata.name` label the API server sets on every namespace) and pod labels
 *   (`app`, or an ingress gateway's selector): Kubernetes' policy cannot name a service account as
 *   Calico's does; pods of other clusters by their clusters' pod CIDRs (`ipBlock`), other networks
 *   through their east-west gateways' addresses, as Topology.inbound and outbound say.
 *
 * Probes need no rule: "traffic to and from the node where a Pod is running is always allowed"
 * (Kubernetes docs, Network Policies). Ports are the pods' (target) ports, as with Calico.
 */
export function renderKubernetesPolicies(
  scope: Construct,
  cluster: Cluster,
  namespaces: readonly string[],
  placed: readonly App[],
  topology: Topology,
  platform: PlatformSettings,
  labelsOf: (app: App) => Record<string, string>,
  fleetLabels: Record<string, string>,
  source: ManifestSource,
  rulesSource: (edges: readonly TrafficEdge[]) => ManifestSource,
): void {
  const istio = cluster.mesh === 'istio';
  for (const namespace of namespaces) {
    policy(scope, namespace, 'fleet-default-deny', fleetLabels, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, source);
    const egress = platformEgress(platform, istio);
    const ingress =
      platform.monitoring.ports.length > 0
        ? [{ from: [{ namespaceSelector: namespacesIn(platform.monitoring.namespaces), podSelector: { matchLabels: { ...platform.monitoring.podLabels } } }], ports: tcp(platform.monitoring.ports) }]
        : [];
    policy(scope, namespace, 'fleet-platform', fleetLabels, { podSelector: {}, policyTypes: [...(ingress.length ? ['Ingress'] : []), 'Egress'], ...(ingress.length ? { ingress } : {}), egress }, source);
  }
  for (const app of placed) {
    const into = topology.callersOf(app.id);
    const ingress = unique(into.flatMap((edge) => ingressRules(app, cluster.name, edge, topology)));
    if (ingress.length) policy(scope, app.namespace, `${app.name}-ingress`, labelsOf(app), { podSelector: { matchLabels: { app: app.name } }, policyTypes: ['Ingress'], ingress }, rulesSource(into));
    const outOf = topology.calledBy(app.id);
    const egress = unique(outOf.flatMap((edge) => egressRules(cluster.name, edge, topology)));
    if (egress.length) policy(scope, app.namespace, `${app.name}-egress`, labelsOf(app), { podSelector: { matchLabels: { app: app.name } }, policyTypes: ['Egress'], egress }, rulesSource(outOf));
  }
}

function policy(scope: Construct, namespace: string, name: string, labels: Record<string, string>, spec: Record<string, unknown>, source: ManifestSource): void {
  new FleetObject(scope, `${namespace}/NetworkPolicy/${name}`, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace, labels }, spec }, source);
}

function platformEgress(platform: PlatformSettings, istio: boolean): Record<string, unknown>[] {
  const dnsPorts = [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ];
  return [
    { to: [{ namespaceSelector: namespaceIs('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: dnsPorts },
    ...(platform.dns.mode === 'node-local' ? [{ to: platform.dns.nodeLocalAddresses.map(ipBlock), ports: dnsPorts }] : []),
    ...(istio ? [{ to: [{ namespaceSelector: namespaceIs(ISTIO_NAMESPACE), podSelector: { matchLabels: { app: 'istiod' } } }], ports: tcp([15012]) }] : []),
    ...platform.telemetry.map((c) => ({ to: [{ namespaceSelector: namespaceIs(c.namespace), podSelector: { matchLabels: { ...c.podLabels } } }], ports: tcp(c.ports) })),
  ];
}

/** Who may connect to `app`'s pods in `here` for one edge (Topology.inbound). */
function ingressRules(app: App, here: string, edge: TrafficEdge, topology: Topology): Record<string, unknown>[] {
  const ports = portsOf(app, edge);
  const from = topology.inbound(here, topology.callerClusters(edge), topology.placed(app.id));
  const peers: Record<string, unknown>[] = [];
  if (from.local) {
    if ('app' in edge.caller) {
      const caller = topology.apps.get(edge.caller.app)!;
      peers.push({ namespaceSelector: namespaceIs(caller.namespace), podSelector: { matchLabels: { app: caller.name } } });
    } else {
      const gateway = topology.gateway(edge.caller.ingress);
      peers.push({ namespaceSelector: namespaceIs(gateway.namespace), podSelector: { matchLabels: { ...gateway.selector } } });
    }
  }
  for (const cluster of from.pods) peers.push(...topology.clusters.get(cluster)!.podCIDRs.map(ipBlock));
  if (from.eastWestGateway) peers.push({ namespaceSelector: namespaceIs(ISTIO_NAMESPACE), podSelector: { matchLabels: { istio: 'eastwestgateway' } } });
  return peers.length ? [{ from: peers, ports }] : [];
}

/** Where `edge`'s caller in `here` may connect (Topology.outbound). */
function egressRules(here: string, edge: TrafficEdge, topology: Topology): Record<string, unknown>[] {
  const destination = topology.apps.get(edge.to)!;
  const ports = portsOf(destination, edge);
  const to = topology.outbound(here, topology.placed(destination.id));
  const rules: Record<string, unknown>[] = [];
  const peers: Record<string, unknown>[] = [];
  if (to.local) peers.push({ namespaceSelector: namespaceIs(destination.namespace), podSelector: { matchLabels: { app: destination.name } } });
  for (const cluster of to.pods) peers.push(...topology.clusters.get(cluster)!.podCIDRs.map(ipBlock));
  if (peers.length) rules.push({ to: peers, ports });
  for (const gateway of to.gateways) {
    rules.push({ to: gateway.eastWestGateway!.addresses.map(ipBlock), ports: tcp([gateway.eastWestGateway!.port]) });
  }
  return rules;
}

function portsOf(app: App, edge: TrafficEdge): Record<string, unknown>[] {
  return app.ports.filter((p: Port) => edge.ports.includes(p.name)).map((p) => ({ port: p.targetPort, protocol: p.protocol === 'UDP' ? 'UDP' : 'TCP' }));
}

function tcp(ports: readonly number[]): Record<string, unknown>[] {
  return [...ports].sort((a, b) => a - b).map((port) => ({ port, protocol: 'TCP' }));
}

/** One namespace, by the label the API server sets on every namespace (Kubernetes 1.22+). */
function namespaceIs(name: string): Record<string, unknown> {
  return { matchLabels: { 'kubernetes.io/metadata.name': name } };
}

function namespacesIn(names: readonly string[]): Record<string, unknown> {
  return names.length === 1 ? namespaceIs(names[0]) : { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...names].sort() }] };
}

/** An address or range as an ipBlock peer; a bare address becomes a /32 (/128 for IPv6). Gateways given by host name are refused earlier (traffic_gateway_host_name). */
function ipBlock(address: string): Record<string, unknown> {
  if (!address.includes('/') && isIP(address) === 0) throw new Error(`an ipBlock needs an address, not ${address} (traffic_gateway_host_name is an error)`);
  return { ipBlock: { cidr: address.includes('/') ? address : `${address}/${isIP(address) === 6 ? 128 : 32}` } };
}

function unique(rules: Record<string, unknown>[]): Record<string, unknown>[] {
  return [...new Map(rules.map((r) => [JSON.stringify(r), r])).values()];
}
