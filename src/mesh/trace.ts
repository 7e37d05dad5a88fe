import { parseCidr, type Cidr } from './cidr.js';
import { type AddressPeer, calicoVerdict, type CalicoPeer, type LocalWorkload } from './calico.js';
import { l7Verdict, peerAuthenticationMode, principalOf } from './istio-security.js';
import { destinationRuleFor, type EndpointGroup, endpointsOf, hasSidecar, localityPriorities, type MeshCaller, mtlsTo, networkPath, protocolOf, type RoutePlan, routeFor, ROOT_NAMESPACE } from './istio-routing.js';
import { cmp, type MeshModel, type Service, type ServicePort, type Workload } from './model.js';

/**
 * A call traced hop by hop through the model: the route a caller's sidecar picks, the subset, the
 * endpoints in each cluster (directly, or through which east-west gateway), then Calico at the
 * caller's pod (egress), at the gateway, at the destination's pod (ingress), and the destination's
 * sidecar (PeerAuthentication, AuthorizationPolicy). Each hop names the object and rule that
 * decided it.
 */

export interface Hop {
  /** `egress`, `ingress`, `gateway` (the east-west gateway's SNI cluster), `l7`. */
  readonly step: 'egress' | 'ingress' | 'gateway' | 'l7';
  /** Where: `na-1 shop/web`, `eu-1 east-west gateway`. */
  readonly at: string;
  readonly allowed: boolean;
  readonly text: string;
}

export interface EndpointTrace {
  readonly cluster: string;
  /** `shop/checkout-canary`: the Deployment (or StatefulSet) whose pods are the endpoints. */
  readonly workload: string;
  readonly replicas: number;
  readonly targetPort: number;
  /** `direct`, `via east-west gateway of eu-1`, `dropped: ...`. */
  readonly path: string;
  /** Locality priority (0 first) when Istio applies priorities; absent when every endpoint shares the load. */
  readonly priority?: number;
  readonly hops: readonly Hop[];
  readonly allowed: boolean;
  /** The first hop that denied. */
  readonly deniedBy?: Hop;
  /** Packet classes for the checks: what Calico can tell apart at the caller's egress and the destination's ingress. */
  readonly egressClass?: string;
  readonly ingressClass?: string;
  /** Undefined when no L4 hop ran (the path was dropped or unroutable). */
  readonly l4Allowed?: boolean;
  readonly l7Allowed?: boolean;
  readonly unroutable?: string;
  /** The endpoint is on another network without an east-west gateway: Istio sends to its pod IP directly, which works only where the networks route to each other. */
  readonly crossNetwork?: string;
}

export interface DestinationTrace {
  readonly route: string;
  readonly condition?: string;
  readonly host: string;
  readonly subset?: string;
  readonly port: number;
  readonly weight: number;
  readonly destinationRule?: string;
  /** Why requests to this destination fail before any endpoint (no subset, no endpoints). */
  readonly problem?: string;
  readonly endpoints: readonly EndpointTrace[];
}

export interface CallTrace {
  readonly cluster: string;
  readonly caller: string;
  readonly port: { readonly name?: string; readonly number: number };
  readonly virtualService?: string;
  /** Notes on the route: the Service missing in the caller's cluster, requests without a route. */
  readonly notes: readonly string[];
  readonly destinations: readonly DestinationTrace[];
  readonly allowed: boolean;
  readonly deniedBy?: string;
}

/** Labels, namespace and identity of an east-west gateway's pods (Istio's samples/multicluster gen-eastwest-gateway.sh: `istio: eastwestgateway` in istio-system). */
export const EAST_WEST_GATEWAY: LocalWorkload = {
  kind: 'workload',
  namespace: ROOT_NAMESPACE,
  labels: { istio: 'eastwestgateway', app: 'istio-eastwestgateway', 'topology.istio.io/network': '' },
  serviceAccount: 'istio-eastwestgateway',
  describe: 'istio-system/east-west gateway',
};

/** The caller's pods as Calico sees them. */
/** The caller's pods as Calico sees them; one object per caller, so verdicts are memoised by identity. */
export function callerEndpoint(caller: MeshCaller): LocalWorkload {
  let endpoint = CALLER_ENDPOINTS.get(caller);
  if (!endpoint) CALLER_ENDPOINTS.set(caller, (endpoint = { kind: 'workload', namespace: caller.namespace, labels: caller.labels, serviceAccount: caller.serviceAccount, describe: caller.describe }));
  return endpoint;
}
const CALLER_ENDPOINTS = new WeakMap<MeshCaller, LocalWorkload>();

/** A Deployment's pods as Calico sees them; one object per Deployment. */
export function workloadEndpoint(workload: Workload): LocalWorkload {
  let endpoint = WORKLOAD_ENDPOINTS.get(workload);
  if (!endpoint) {
    endpoint = { kind: 'workload', namespace: workload.namespace, labels: workload.labels, serviceAccount: workload.serviceAccount, namedPorts: workload.ports, describe: `${workload.namespace}/${workload.name}` };
    WORKLOAD_ENDPOINTS.set(workload, endpoint);
  }
  return endpoint;
}
const WORKLOAD_ENDPOINTS = new WeakMap<Workload, LocalWorkload>();

/** The callers of an app: each Deployment of it with replicas, per cluster. */
export function appCallers(model: MeshModel, namespace: string, name: string): MeshCaller[] {
  const callers: MeshCaller[] = [];
  for (const view of model.clusters.values()) {
    for (const w of view.workloadsIn(namespace)) {
      if (w.labels.app !== name || w.replicas <= 0) continue;
      callers.push({ cluster: view.name, namespace, labels: w.labels, serviceAccount: w.serviceAccount, describe: `${namespace}/${w.name}` });
    }
  }
  return callers;
}

/** The pods of an ingress gateway in every cluster that holds its Gateway. */
export function ingressCallers(model: MeshModel, gateway: string): MeshCaller[] {
  const facts = model.facts.ingressGateways.find((g) => g.name === gateway);
  if (!facts) return [];
  return [...model.clusters.values()]
    .filter((view) => view.istioGateways.some((g) => g.name === gateway && g.namespace === facts.namespace))
    .map((view) => ({ cluster: view.name, namespace: facts.namespace, labels: facts.selector, serviceAccount: facts.serviceAccount, describe: `ingress ${gateway}`, gateway: `${facts.namespace}/${gateway}` }));
}

/** Traces a caller's calls to one Service port. */
export function traceCall(model: MeshModel, caller: MeshCaller, service: Service, port: ServicePort): CallTrace {
  const view = model.cluster(caller.cluster);
  const notes: string[] = [];
  if (!view.services.has(`${service.namespace}/${service.name}`) && !caller.gateway) {
    notes.push(`${caller.cluster} holds no Service ${service.namespace}/${service.name}: the name does not resolve there (DNS is per cluster); the pods are checked as if dialled directly`);
  }
  const plan: RoutePlan = routeFor(model, caller, service, port);
  if (plan.noRoute) notes.push(plan.noRoute);
  const kind = protocolOf(port);
  if (kind === 'unrouted') notes.push('UDP is not proxied by sidecars: Calico alone decides');
  const destinations = plan.routes.flatMap((route) => route.destinations.filter((d) => d.weight > 0).map((d) => traceDestination(model, caller, service, route.name, route.condition, d.subset, d.port, d.weight)));
  const failures = destinations.flatMap((d) => (d.problem ? [d.problem] : d.endpoints.filter((e) => !e.allowed).map((e) => `${e.cluster} ${e.workload}: ${e.deniedBy?.text ?? e.path}`)));
  if (plan.noRoute) failures.push(plan.noRoute);
  const vsName = plan.virtualService ? `${plan.virtualService.namespace}/${plan.virtualService.name}` : undefined;
  return {
    cluster: caller.cluster,
    caller: caller.describe,
    port: { name: port.name, number: port.port },
    virtualService: vsName,
    notes,
    destinations,
    allowed: failures.length === 0 && destinations.length > 0,
    deniedBy: failures[0],
  };
}

function traceDestination(model: MeshModel, caller: MeshCaller, service: Service, route: string, condition: string | undefined, subset: string | undefined, port: number, weight: number): DestinationTrace {
  const view = model.cluster(caller.cluster);
  const dr = destinationRuleFor(view, caller.namespace, service);
  const base = { route, condition, host: service.host, subset, port, weight, destinationRule: dr ? `${dr.namespace}/${dr.name}` : undefined };
  let subsetLabels;
  if (subset !== undefined) {
    subsetLabels = dr?.subsets.get(subset)?.labels;
    if (!subsetLabels)
      return {
        ...base,
        problem: `subset ${subset} is not defined by ${dr ? `DestinationRule ${dr.namespace}/${dr.name}` : 'any DestinationRule'} in ${caller.cluster}: the route has no Envoy cluster (503)`,
        endpoints: [],
      };
  }
  const groups = endpointsOf(model, service, port, subsetLabels).sort((a, b) => cmp(a.cluster, b.cluster) || cmp(a.workload.name, b.workload.name));
  if (groups.length === 0) return { ...base, problem: `no pod in any cluster matches ${service.namespace}/${service.name}${subset ? ` subset ${subset}` : ''} (503 no healthy upstream)`, endpoints: [] };
  const callerFacts = view.facts;
  const priorities = localityPriorities(dr, callerFacts, groups);
  // An east-west gateway forwards to any endpoint of the subset on its network (its SNI cluster's endpoints), not only to the one the caller's EDS named.
  const relayed = new Set<string>();
  const onNetwork = (gateway: string) => groups.map((g, i) => ({ group: g, priority: priorities?.[i] })).filter(({ group }) => group.network === model.cluster(gateway).facts.network);
  const endpoints = groups.flatMap((group, i) => traceEndpoint(model, caller, service, port, subset, dr, group, priorities?.[i], onNetwork, relayed));
  return { ...base, endpoints };
}

function traceEndpoint(
  model: MeshModel,
  caller: MeshCaller,
  service: Service,
  servicePort: number,
  subset: string | undefined,
  dr: ReturnType<typeof destinationRuleFor>,
  group: EndpointGroup,
  priority: number | undefined,
  onNetwork: (gateway: string) => { group: EndpointGroup; priority?: number }[],
  relayed: Set<string>,
): EndpointTrace[] {
  const dest = model.cluster(group.cluster);
  const workload = group.workload;
  const sidecar = hasSidecar(model, workload);
  const server = { namespace: workload.namespace, labels: workload.labels };
  const mtls = mtlsTo(dr, subset, sidecar, peerAuthenticationMode(dest, server).mode);
  const path = networkPath(model, caller.cluster, group, mtls);
  const me = callerEndpoint(caller);
  const target = workloadEndpoint(workload);
  const here = model.cluster(caller.cluster);
  const callerAt = placeOf(caller.cluster, me);
  const targetAt = placeOf(group.cluster, target);
  const name = target.describe;

  if (path.kind === 'dropped') {
    const text = `Istio drops the endpoint: ${path.reason}`;
    return [endpointTrace(group, name, priority, `dropped: ${path.reason}`, [], { step: 'egress', at: caller.cluster, allowed: false, text }, { unroutable: text })];
  }
  const l7 = sidecar ? l7Verdict(dest, server, { principal: mtls ? principalOf(model.facts.trustDomain, caller.namespace, caller.serviceAccount) : undefined, namespace: caller.namespace }, group.targetPort) : NO_SIDECAR;
  const l7Hop: Hop = { step: 'l7', at: targetAt, allowed: l7.allowed, text: l7.text };
  if (path.kind === 'direct') {
    const same = group.cluster === caller.cluster;
    const to: CalicoPeer = same ? target : podsOf(model, group.cluster);
    const from: CalicoPeer = same ? me : podsOf(model, caller.cluster);
    const egress = calicoVerdict(here, me, 'Egress', to, group.transport, group.targetPort);
    const ingress = calicoVerdict(dest, target, 'Ingress', from, group.transport, group.targetPort);
    const hops: Hop[] = [{ step: 'egress', at: callerAt, allowed: egress.allowed, text: egress.text }, { step: 'ingress', at: targetAt, allowed: ingress.allowed, text: ingress.text }, l7Hop];
    const crossNetwork = path.crossNetwork
      ? `${group.cluster} is on network ${group.network}, which has no east-west gateway: Istio sends to the pod IP directly (ep_filters.go: "as if they were on the same network")`
      : undefined;
    return [
      endpointTrace(group, name, priority, path.crossNetwork ? `direct, across networks (network ${group.network} has no east-west gateway)` : 'direct', hops, firstDenied(hops, undefined, caller.cluster), {
        egressClass: classKey(caller.cluster, me, to, group.transport, group.targetPort),
        ingressClass: classKey(group.cluster, target, from, group.transport, group.targetPort),
        l4Allowed: egress.allowed && ingress.allowed,
        l7Allowed: l7.allowed,
        crossNetwork,
      }),
    ];
  }
  return path.gateways.flatMap((gatewayCluster) =>
    onNetwork(gatewayCluster).flatMap((relay) => {
      const key = `${gatewayCluster}|${relay.group.cluster}|${relay.group.workload.name}`;
      if (relayed.has(key)) return [];
      relayed.add(key);
      return [throughGateway(model, caller, service, servicePort, subset, gatewayCluster, relay.group, relay.priority, l7For(relay.group))];
    }),
  );

  /** The L7 verdict at a relay target (its own sidecar and policies). */
  function l7For(target: EndpointGroup): Hop {
    if (target === group) return l7Hop;
    const view = model.cluster(target.cluster);
    const targetServer = { namespace: target.workload.namespace, labels: target.workload.labels };
    const verdict = hasSidecar(model, target.workload)
      ? l7Verdict(view, targetServer, { principal: principalOf(model.facts.trustDomain, caller.namespace, caller.serviceAccount), namespace: caller.namespace }, target.targetPort)
      : NO_SIDECAR;
    return { step: 'l7', at: placeOf(target.cluster, workloadEndpoint(target.workload)), allowed: verdict.allowed, text: verdict.text };
  }
}

/** Caller → east-west gateway → one pod of the gateway's network. */
function throughGateway(
  model: MeshModel,
  caller: MeshCaller,
  service: Service,
  servicePort: number,
  subset: string | undefined,
  gatewayCluster: string,
  group: EndpointGroup,
  priority: number | undefined,
  l7Hop: Hop,
): EndpointTrace {
  const me = callerEndpoint(caller);
  const here = model.cluster(caller.cluster);
  const dest = model.cluster(group.cluster);
  const target = workloadEndpoint(group.workload);
  const gw = model.cluster(gatewayCluster);
  const gwPort = gw.facts.eastWestGateway!.port;
  const gwAddress = gatewayAddress(model, gatewayCluster);
  const gwAt = `${gatewayCluster} east-west gateway`;
  const egress = calicoVerdict(here, me, 'Egress', gwAddress, 'TCP', gwPort);
  const gwIngress = calicoVerdict(gw, EAST_WEST_GATEWAY, 'Ingress', UNKNOWN_ADDRESS, 'TCP', gwPort);
  const hops: Hop[] = [
    { step: 'egress', at: placeOf(caller.cluster, me), allowed: egress.allowed, text: egress.text },
    { step: 'ingress', at: gwAt, allowed: gwIngress.allowed, text: gwIngress.text },
  ];
  // The gateway's SNI cluster for a subset comes from the DestinationRule its own cluster holds (pilot networking/core/cluster.go buildOutboundSniDnatClusters).
  if (subset !== undefined) {
    const gwRule = destinationRuleFor(gw, ROOT_NAMESPACE, service);
    const defined = gwRule?.subsets.has(subset) ?? false;
    hops.push({
      step: 'gateway',
      at: gwAt,
      allowed: defined,
      text: defined
        ? `SNI cluster outbound_.${servicePort}_.${subset}_.${service.host} (subset of DestinationRule ${gwRule!.namespace}/${gwRule!.name})`
        : `denied: ${gatewayCluster} holds no DestinationRule subset ${subset} for ${service.host}, so its east-west gateway has no SNI cluster for it (the connection is closed)`,
    });
  }
  const same = gatewayCluster === group.cluster;
  const to: CalicoPeer = same ? target : podsOf(model, group.cluster);
  const from: CalicoPeer = same ? EAST_WEST_GATEWAY : podsOf(model, gatewayCluster);
  const forward = calicoVerdict(gw, EAST_WEST_GATEWAY, 'Egress', to, group.transport, group.targetPort);
  const ingress = calicoVerdict(dest, target, 'Ingress', from, group.transport, group.targetPort);
  hops.push({ step: 'egress', at: gwAt, allowed: forward.allowed, text: forward.text }, { step: 'ingress', at: placeOf(group.cluster, target), allowed: ingress.allowed, text: ingress.text }, l7Hop);
  return endpointTrace(group, target.describe, priority, `via east-west gateway of ${gatewayCluster}`, hops, firstDenied(hops, undefined, caller.cluster), {
    egressClass: classKey(caller.cluster, me, gwAddress, 'TCP', gwPort),
    ingressClass: classKey(group.cluster, target, from, group.transport, group.targetPort),
    l4Allowed: egress.allowed && ingress.allowed,
    l7Allowed: l7Hop.allowed,
  });
}

const NO_SIDECAR = { allowed: true, text: 'no sidecar: Istio enforces nothing here' };
const UNKNOWN_ADDRESS: AddressPeer = { kind: 'address', describe: 'a remote address (NAT)' };

function endpointTrace(group: EndpointGroup, workload: string, priority: number | undefined, path: string, hops: Hop[], deniedBy: Hop | undefined, rest: Partial<EndpointTrace>): EndpointTrace {
  return { cluster: group.cluster, workload, replicas: group.workload.replicas, targetPort: group.targetPort, priority, path, hops, allowed: deniedBy === undefined, deniedBy, ...rest };
}

function firstDenied(hops: readonly Hop[], unroutable: string | undefined, cluster: string): Hop | undefined {
  for (const hop of hops) if (!hop.allowed) return hop;
  return unroutable ? { step: 'egress', at: cluster, allowed: false, text: unroutable } : undefined;
}

/** `na-1 shop/web`: made once per cluster and pod. */
function placeOf(cluster: string, endpoint: LocalWorkload): string {
  let byCluster = PLACES.get(endpoint);
  if (!byCluster) PLACES.set(endpoint, (byCluster = new Map()));
  let text = byCluster.get(cluster);
  if (text === undefined) byCluster.set(cluster, (text = `${cluster} ${endpoint.describe}`));
  return text;
}
const PLACES = new WeakMap<LocalWorkload, Map<string, string>>();

/** What Calico can tell apart about a packet at one end: the cluster, the pod, the peer, transport and port; short ids. */
function classKey(cluster: string, endpoint: CalicoPeer, peer: CalicoPeer, transport: string, port: number): string {
  return `${cluster}|${idOf(endpoint)}|${idOf(peer)}|${transport}${port}`;
}

/** Peers that Calico cannot tell apart get one id: pods by namespace, service account and app; addresses by what they are. */
function idOf(peer: CalicoPeer): number {
  let id = PEER_IDS.get(peer);
  if (id === undefined) {
    const key = peer.kind === 'workload' ? `pod ${peer.namespace}/${peer.serviceAccount}/${peer.labels.app ?? peer.describe}` : peer.describe;
    id = CLASS_IDS.get(key);
    if (id === undefined) CLASS_IDS.set(key, (id = CLASS_IDS.size));
    PEER_IDS.set(peer, id);
  }
  return id;
}
const PEER_IDS = new WeakMap<CalicoPeer, number>();
const CLASS_IDS = new Map<string, number>();

/** The pods of a cluster, as an address: its pod CIDRs (unknown without them). */
export function podsOf(model: MeshModel, cluster: string): AddressPeer {
  return model.memo(`pods ${cluster}`, () => {
    const ranges = model
      .cluster(cluster)
      .facts.podCIDRs.map((c) => parseCidr(c))
      .filter((c): c is Cidr => c !== undefined);
    return {
      kind: 'address',
      ranges: ranges.length > 0 ? ranges : undefined,
      describe: ranges.length > 0 ? `pods of ${cluster} (${ranges.map((r) => r.text).join(', ')})` : `pods of ${cluster} (no podCIDRs: address unknown)`,
    };
  });
}

/** An east-west gateway's addresses; unknown when one is a host name. */
export function gatewayAddress(model: MeshModel, cluster: string): AddressPeer {
  return model.memo(`gateway address ${cluster}`, () => {
    const addresses = model.cluster(cluster).facts.eastWestGateway?.addresses ?? [];
    const ranges = addresses.map((a) => parseCidr(a));
    const known = ranges.length > 0 && ranges.every((r) => r !== undefined);
    return { kind: 'address', ranges: known ? (ranges as Cidr[]) : undefined, describe: `east-west gateway of ${cluster} (${addresses.join(', ')})` };
  });
}
