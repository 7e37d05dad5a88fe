import type { Cidr } from './cidr.js';
import { type AddressPeer, type CalicoEndpoint, calicoEndpoint, calicoVerdict, type CalicoPeer, type LocalWorkload, packetClass, packetClassKey, verdictAt } from './calico.js';
import { l7Verdict, type Peer, peerAuthenticationMode, principalOf } from './istio-security.js';
import {
  destinationRuleFor,
  type EndpointGroup,
  endpointsOf,
  hasSidecar,
  localityPriorities,
  type MeshCaller,
  mtlsTo,
  type NetworkPath,
  networkPath,
  protocolOf,
  type RoutePlan,
  routeFor,
  ROOT_NAMESPACE,
} from './istio-routing.js';
import { type ClusterView, cmp, type DestinationRule, type MeshModel, type Service, type ServicePort, type Workload } from './model.js';

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

/**
 * What this module remembers, per model (a scratch table of its ModelMemo): it dies with the model
 * or at its forget(), and two models share none of it (a caller kept after its model keeps nothing
 * alive).
 */
interface TraceMemo {
  readonly callerEndpoints: WeakMap<MeshCaller, LocalWorkload>;
  readonly workloadEndpoints: WeakMap<Workload, LocalWorkload>;
  /** Caller contexts by caller object, and by what tells callers apart (contextOf). */
  readonly contextsByCaller: WeakMap<MeshCaller, CallerContext>;
  readonly contexts: Map<string, CallerContext>;
  readonly groupFacts: WeakMap<EndpointGroup, GroupFacts>;
  /** Layouts by caller cluster, destination (host, port, subset) and DestinationRule. */
  readonly layouts: Map<string, Map<string, Map<DestinationRule | undefined, DestinationLayout>>>;
  readonly sortedGroups: WeakSet<EndpointGroup[]>;
  /** `na-1 shop/web` by endpoint and cluster. */
  readonly places: WeakMap<LocalWorkload, Map<string, string>>;
  /** Address peers by kind and cluster. */
  readonly addresses: Record<'pods' | 'gateway address', Map<string, AddressPeer>>;
}

function traceMemo(model: MeshModel): TraceMemo {
  return model.scratch(
    'trace',
    (): TraceMemo => ({
      callerEndpoints: new WeakMap(),
      workloadEndpoints: new WeakMap(),
      contextsByCaller: new WeakMap(),
      contexts: new Map(),
      groupFacts: new WeakMap(),
      layouts: new Map(),
      sortedGroups: new WeakSet(),
      places: new WeakMap(),
      addresses: { pods: new Map(), 'gateway address': new Map() },
    }),
  );
}

/** The caller's pods as Calico sees them; one object per caller, so verdicts are memoised by identity. */
export function callerEndpoint(model: MeshModel, caller: MeshCaller): LocalWorkload {
  const endpoints = traceMemo(model).callerEndpoints;
  let endpoint = endpoints.get(caller);
  if (!endpoint) endpoints.set(caller, (endpoint = { kind: 'workload', namespace: caller.namespace, labels: caller.labels, serviceAccount: caller.serviceAccount, describe: caller.describe }));
  return endpoint;
}

/** A Deployment's pods as Calico sees them; one object per Deployment. */
export function workloadEndpoint(model: MeshModel, workload: Workload): LocalWorkload {
  const endpoints = traceMemo(model).workloadEndpoints;
  let endpoint = endpoints.get(workload);
  if (!endpoint) {
    endpoint = { kind: 'workload', namespace: workload.namespace, labels: workload.labels, serviceAccount: workload.serviceAccount, namedPorts: workload.ports, describe: `${workload.namespace}/${workload.name}` };
    endpoints.set(workload, endpoint);
  }
  return endpoint;
}

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

/** Traces a caller's calls to one Service port, hop by hop. */
export function traceCall(model: MeshModel, caller: MeshCaller, service: Service, port: ServicePort): CallTrace {
  const call = planCall(model, caller, service, port);
  const destinations = call.destinations.map((d): DestinationTrace => {
    const base = { route: d.route, condition: d.condition, host: service.host, subset: d.subset, port: d.port, weight: d.weight, destinationRule: d.layout.destinationRule };
    if (d.layout.problem !== undefined) return { ...base, problem: d.layout.problem, endpoints: [] };
    return { ...base, endpoints: entriesOf(model, d.layout).map((entry) => endpointTrace(call.context, entry)) };
  });
  const failures = destinations.flatMap((d) => (d.problem ? [d.problem] : d.endpoints.filter((e) => !e.allowed).map((e) => `${e.cluster} ${e.workload}: ${e.deniedBy?.text ?? e.path}`)));
  if (call.plan.noRoute) failures.push(call.plan.noRoute);
  const vsName = call.plan.virtualService ? `${call.plan.virtualService.namespace}/${call.plan.virtualService.name}` : undefined;
  return {
    cluster: caller.cluster,
    caller: caller.describe,
    port: { name: port.name, number: port.port },
    virtualService: vsName,
    notes: call.notes,
    destinations,
    allowed: failures.length === 0 && destinations.length > 0,
    deniedBy: failures[0],
  };
}

/** A call's verdicts endpoint by endpoint, as the check reads them: traceCall's, without the hops. */
export interface CallOutcome {
  readonly notes: readonly string[];
  readonly destinations: readonly DestinationOutcome[];
}

export interface DestinationOutcome {
  readonly route: string;
  readonly subset?: string;
  readonly weight: number;
  readonly problem?: string;
  readonly endpoints: readonly EndpointOutcome[];
}

/** EndpointTrace's verdicts and packet classes (as packetClassKey: equal exactly when EndpointTrace's are). */
export interface EndpointOutcome {
  readonly allowed: boolean;
  readonly crossNetwork: boolean;
  readonly unroutable: boolean;
  readonly egressClass?: number | string;
  readonly ingressClass?: number | string;
  readonly l4Allowed?: boolean;
  readonly l7Allowed?: boolean;
}

/** The verdicts of a caller's calls to one Service port, endpoint by endpoint (traceCall's, in its order). */
export function callOutcome(model: MeshModel, caller: MeshCaller, service: Service, port: ServicePort): CallOutcome {
  const call = planCall(model, caller, service, port);
  return {
    notes: call.notes,
    destinations: call.destinations.map((d) => ({
      route: d.route,
      subset: d.subset,
      weight: d.weight,
      problem: d.layout.problem,
      endpoints: d.layout.problem !== undefined ? [] : entriesOf(model, d.layout).map((entry) => endpointOutcome(call.context, entry)),
    })),
  };
}

/** A call in brief: its route, whether every endpoint is reached and allowed at every hop (traceCall's verdicts), and whether some is reached across networks without a gateway. */
export interface CallSummary {
  readonly notes: readonly string[];
  readonly destinations: readonly Omit<DestinationOutcome, 'endpoints'>[];
  readonly allowed: boolean;
  readonly crossNetwork: boolean;
}

/**
 * The packet classes (packetClassKey) of calls at the caller's egress and at the destination's
 * ingress: what Calico sees of declared calls, to tell undeclared ones apart.
 */
export class PacketClasses {
  readonly egress = new Set<number | string>();
  readonly ingress = new Set<number | string>();
  /** Relay blocks whose ingress classes (the same for every caller) are in. */
  private readonly blocks = new WeakSet<RelayBlock>();

  addRelays(block: RelayBlock): void {
    if (this.blocks.has(block)) return;
    this.blocks.add(block);
    for (const c of block.ingressClasses) this.ingress.add(c);
  }
}

/**
 * A caller's calls to one Service port in brief, their packet classes added to `classes`: the
 * same verdicts as callOutcome's, without listing every (gateway, pod) pair through east-west
 * gateways (each gateway network relays to all its pods: the pairs grow as the square of the
 * clusters). The caller's egress is judged once per gateway and its sidecar verdict once per pod;
 * what lies between does not depend on the caller (relayBlock).
 */
export function summarizeCall(model: MeshModel, caller: MeshCaller, service: Service, port: ServicePort, classes: PacketClasses): CallSummary {
  const call = planCall(model, caller, service, port);
  const { context } = call;
  let allowed = true;
  let crossNetwork = false;
  for (const { layout } of call.destinations) {
    if (layout.problem !== undefined) continue;
    for (const step of layout.steps) {
      if (step.kind === 'via') continue;
      const e = endpointOutcome(context, step);
      allowed &&= e.allowed;
      crossNetwork ||= e.crossNetwork;
      if (e.egressClass !== undefined) classes.egress.add(e.egressClass);
      if (e.ingressClass !== undefined) classes.ingress.add(e.ingressClass);
    }
    const block = relayBlock(model, layout);
    if (!block) continue;
    for (const gateway of block.gateways) {
      const to = gatewayAddress(model, gateway);
      const gwPort = model.cluster(gateway).facts.eastWestGateway!.port;
      allowed &&= verdictAt(context.egress, to, 'TCP', gwPort).allowed;
      classes.egress.add(packetClassKey(context.egress, to, 'TCP', gwPort));
    }
    for (const target of block.targets) allowed &&= l7Of(context, target).allowed;
    allowed &&= block.allowed;
    classes.addRelays(block);
  }
  return { notes: call.notes, destinations: call.destinations.map((d) => ({ route: d.route, subset: d.subset, weight: d.weight, problem: d.layout.problem })), allowed, crossNetwork };
}

/** A call up to its endpoints: the caller, the notes on its route, and each destination with its layout. */
interface PlannedCall {
  readonly context: CallerContext;
  readonly notes: string[];
  readonly plan: RoutePlan;
  readonly destinations: readonly { readonly route: string; readonly condition?: string; readonly subset?: string; readonly port: number; readonly weight: number; readonly layout: DestinationLayout }[];
}

function planCall(model: MeshModel, caller: MeshCaller, service: Service, port: ServicePort): PlannedCall {
  const context = contextOf(model, caller);
  const notes: string[] = [];
  if (!context.view.services.has(`${service.namespace}/${service.name}`) && !caller.gateway) {
    notes.push(`${caller.cluster} holds no Service ${service.namespace}/${service.name}: the name does not resolve there (DNS is per cluster); the pods are checked as if dialled directly`);
  }
  const plan = routeFor(model, caller, service, port);
  if (plan.noRoute) notes.push(plan.noRoute);
  if (protocolOf(port) === 'unrouted') notes.push('UDP is not proxied by sidecars: Calico alone decides');
  const destinations = plan.routes.flatMap((route) =>
    route.destinations
      .filter((d) => d.weight > 0)
      .map((d) => ({ route: route.name, condition: route.condition, subset: d.subset, port: d.port, weight: d.weight, layout: layoutOf(model, context, service, d.subset, d.port) })),
  );
  return { context, notes, plan, destinations };
}

/**
 * The caller as every hop sees it: its cluster, its pods as Calico sees them (and their egress
 * policy), its identity at the destination's sidecar. Callers that Calico and Istio cannot tell
 * apart (same cluster, namespace, labels, service account) share one, so they share every
 * memoised verdict.
 */
interface CallerContext {
  readonly model: MeshModel;
  readonly view: ClusterView;
  readonly namespace: string;
  readonly me: LocalWorkload;
  readonly egress: CalicoEndpoint;
  /** Its cluster's pods, as the other clusters see them. */
  readonly pods: AddressPeer;
  /** The caller as the destination's sidecar sees it, over Istio mTLS (its principal) and in plaintext, with keys for memoising. */
  readonly mtlsPeer: Peer;
  readonly plainPeer: Peer;
  readonly mtlsKey: string;
  readonly plainKey: string;
}

function contextOf(model: MeshModel, caller: MeshCaller): CallerContext {
  const { contextsByCaller: byCaller, contexts: byKey } = traceMemo(model);
  let context = byCaller.get(caller);
  if (context) return context;
  const labels = Object.keys(caller.labels)
    .sort()
    .map((k) => [k, caller.labels[k]]);
  const key = JSON.stringify([caller.cluster, caller.namespace, caller.serviceAccount, caller.describe, labels]);
  context = byKey.get(key);
  if (!context) {
    const view = model.cluster(caller.cluster);
    const me = callerEndpoint(model, caller);
    const principal = principalOf(model.facts.trustDomain, caller.namespace, caller.serviceAccount);
    context = {
      model,
      view,
      namespace: caller.namespace,
      me,
      egress: calicoEndpoint(view, me, 'Egress'),
      pods: podsOf(model, caller.cluster),
      mtlsPeer: { principal, namespace: caller.namespace },
      plainPeer: { namespace: caller.namespace },
      mtlsKey: `${principal}\0${caller.namespace}`,
      plainKey: `\0${caller.namespace}`,
    };
    byKey.set(key, context);
  }
  byCaller.set(caller, context);
  return context;
}

/** What an endpoint group is, whoever calls it (made once per group). */
interface GroupFacts {
  readonly view: ClusterView;
  /** Its pods as Calico sees them, and their ingress policy. */
  readonly target: LocalWorkload;
  readonly ingress: CalicoEndpoint;
  /** Its cluster's pods, as the other clusters see them. */
  readonly pods: AddressPeer;
  readonly sidecar: boolean;
  /** Its PeerAuthentication mode. */
  readonly peerMode: string;
  /** L7 verdicts by caller (CallerContext mtlsKey / plainKey), network paths by the caller's network and mTLS, relay verdicts by gateway (and subset): made when first asked. */
  l7?: Map<string, Verdict>;
  paths?: Map<string, { mtls?: NetworkPath; plain?: NetworkPath }>;
  relays?: Map<string, RelayVerdicts>;
}

function factsOf(model: MeshModel, group: EndpointGroup): GroupFacts {
  const byGroup = traceMemo(model).groupFacts;
  let facts = byGroup.get(group);
  if (!facts) {
    const view = model.cluster(group.cluster);
    const target = workloadEndpoint(model, group.workload);
    facts = {
      view,
      target,
      ingress: calicoEndpoint(view, target, 'Ingress'),
      pods: podsOf(model, group.cluster),
      sidecar: hasSidecar(model, group.workload),
      peerMode: peerAuthenticationMode(view, group.workload).mode,
    };
    byGroup.set(group, facts);
  }
  return facts;
}

function pathOf(model: MeshModel, from: ClusterView, group: EndpointGroup, facts: GroupFacts, mtls: boolean): NetworkPath {
  facts.paths ??= new Map();
  let byMtls = facts.paths.get(from.facts.network);
  if (!byMtls) facts.paths.set(from.facts.network, (byMtls = {}));
  return mtls ? (byMtls.mtls ??= networkPath(model, from.name, group, true)) : (byMtls.plain ??= networkPath(model, from.name, group, false));
}

/**
 * A destination (service port and subset) as one caller's cluster sees it with the DestinationRule
 * it applies: the endpoint groups in Istio's order, each with how it is reached (dropped, directly,
 * or through which east-west gateways). Memoised per cluster, DestinationRule and destination.
 */
interface DestinationLayout {
  readonly destinationRule?: string;
  /** Why requests fail before any endpoint (no subset, no endpoints). */
  readonly problem?: string;
  readonly steps: readonly LayoutStep[];
  readonly groups: readonly EndpointGroup[];
  readonly priorities?: readonly number[];
  readonly service: Service;
  readonly servicePort: number;
  readonly subset?: string;
  /** The pairs through gateways, made when first asked (null: none). */
  relays?: RelayBlock | null;
}

/** An endpoint group reached (or dropped) directly, or one reached through gateways: each of them relays to every pod of its network (entriesOf). */
type LayoutStep = Exclude<LayoutEntry, { kind: 'relay' }> | { readonly kind: 'via'; readonly gateways: readonly string[] };

/** One endpoint of a call: a group dropped, reached directly, or one pod group a gateway relays to. */
type LayoutEntry =
  | { readonly kind: 'dropped'; readonly group: EndpointGroup; readonly facts: GroupFacts; readonly priority?: number; readonly reason: string }
  | { readonly kind: 'direct'; readonly group: EndpointGroup; readonly facts: GroupFacts; readonly priority?: number; readonly crossNetwork: boolean; readonly mtls: boolean }
  /** Through an east-west gateway to one pod of its network (the gateway's SNI cluster holds them all). */
  | {
      readonly kind: 'relay';
      readonly group: EndpointGroup;
      readonly facts: GroupFacts;
      readonly priority?: number;
      readonly gateway: string;
      readonly subset?: string;
      readonly service: Service;
      readonly servicePort: number;
    };

function layoutOf(model: MeshModel, context: CallerContext, service: Service, subset: string | undefined, port: number): DestinationLayout {
  const view = context.view;
  const dr = destinationRuleFor(view, context.namespace, service);
  const layouts = traceMemo(model).layouts;
  let byKey = layouts.get(view.name);
  if (!byKey) layouts.set(view.name, (byKey = new Map()));
  const key = subset === undefined ? `${service.host} ${port}` : `${service.host} ${port} ${subset}`;
  let byRule = byKey.get(key);
  if (!byRule) byKey.set(key, (byRule = new Map()));
  let layout = byRule.get(dr);
  if (!layout) byRule.set(dr, (layout = makeLayout(model, view, dr, service, subset, port)));
  return layout;
}

function makeLayout(model: MeshModel, view: ClusterView, dr: DestinationRule | undefined, service: Service, subset: string | undefined, port: number): DestinationLayout {
  const destinationRule = dr ? `${dr.namespace}/${dr.name}` : undefined;
  const none = { destinationRule, steps: [], groups: [], service, servicePort: port, subset };
  let subsetLabels;
  if (subset !== undefined) {
    subsetLabels = dr?.subsets.get(subset)?.labels;
    if (!subsetLabels) return { ...none, problem: `subset ${subset} is not defined by ${dr ? `DestinationRule ${dr.namespace}/${dr.name}` : 'any DestinationRule'} in ${view.name}: the route has no Envoy cluster (503)` };
  }
  const groups = sortedGroups(model, endpointsOf(model, service, port, subsetLabels));
  if (groups.length === 0) return { ...none, problem: `no pod in any cluster matches ${service.namespace}/${service.name}${subset ? ` subset ${subset}` : ''} (503 no healthy upstream)` };
  const priorities = localityPriorities(dr, view.facts, groups);
  const steps: LayoutStep[] = groups.map((group, i) => {
    const facts = factsOf(model, group);
    const mtls = mtlsTo(dr, subset, facts.sidecar, facts.peerMode);
    const path = pathOf(model, view, group, facts, mtls);
    if (path.kind === 'dropped') return { kind: 'dropped', group, facts, priority: priorities?.[i], reason: path.reason };
    if (path.kind === 'direct') return { kind: 'direct', group, facts, priority: priorities?.[i], crossNetwork: path.crossNetwork, mtls };
    return { kind: 'via', gateways: path.gateways };
  });
  return { destinationRule, steps, groups, priorities, service, servicePort: port, subset };
}

/**
 * The endpoints of a layout in Istio's order. An east-west gateway forwards to any endpoint of the
 * subset on its network (its SNI cluster's endpoints), not only to the one the caller's EDS named:
 * each (gateway, cluster, workload) once.
 */
function entriesOf(model: MeshModel, layout: DestinationLayout): LayoutEntry[] {
  const entries: LayoutEntry[] = [];
  const relayed = new Map<string, Set<string>>();
  for (const step of layout.steps) {
    if (step.kind !== 'via') {
      entries.push(step);
      continue;
    }
    for (const gateway of step.gateways) {
      const network = model.cluster(gateway).facts.network;
      let done = relayed.get(gateway);
      if (!done) relayed.set(gateway, (done = new Set()));
      for (let j = 0; j < layout.groups.length; j++) {
        const relay = layout.groups[j];
        if (relay.network !== network || done.has(relay.workloadKey)) continue;
        done.add(relay.workloadKey);
        entries.push({ kind: 'relay', group: relay, facts: factsOf(model, relay), priority: layout.priorities?.[j], gateway, subset: layout.subset, service: layout.service, servicePort: layout.servicePort });
      }
    }
  }
  return entries;
}

/** The (gateway, pod) pairs of a layout, as summarizeCall reads them: the same for every caller. */
interface RelayBlock {
  /** Each gateway once: the caller's egress is judged per gateway. */
  readonly gateways: readonly string[];
  /** A pair per pod group: the destination's sidecar is judged per group. */
  readonly targets: readonly Extract<LayoutEntry, { kind: 'relay' }>[];
  /** Whether every pair's hops after the caller's egress, up to the pod's ingress, let the call through. */
  readonly allowed: boolean;
  readonly ingressClasses: readonly (number | string)[];
}

function relayBlock(model: MeshModel, layout: DestinationLayout): RelayBlock | null {
  if (layout.relays !== undefined) return layout.relays;
  if (!layout.steps.some((s) => s.kind === 'via')) return (layout.relays = null);
  const pairs = entriesOf(model, layout).filter((e): e is Extract<LayoutEntry, { kind: 'relay' }> => e.kind === 'relay');
  const gateways = [...new Set(pairs.map((e) => e.gateway))];
  const targets = [...new Map(pairs.map((e) => [e.group, e] as const)).values()];
  let allowed = true;
  const ingressClasses = new Set<number | string>();
  for (const e of pairs) {
    const from = relayIngressPeer(model, e);
    allowed &&= relayVerdicts(model, e).allowed && verdictAt(e.facts.ingress, from, e.group.transport, e.group.targetPort).allowed;
    ingressClasses.add(packetClassKey(e.facts.ingress, from, e.group.transport, e.group.targetPort));
  }
  return (layout.relays = { gateways, targets, allowed, ingressClasses: [...ingressClasses] });
}

/** Endpoint groups in Istio's order for the trace (by cluster, then workload); each list is sorted once. */
function sortedGroups(model: MeshModel, groups: EndpointGroup[]): EndpointGroup[] {
  const sorted = traceMemo(model).sortedGroups;
  if (!sorted.has(groups)) {
    groups.sort((a, b) => cmp(a.cluster, b.cluster) || cmp(a.workload.name, b.workload.name));
    sorted.add(groups);
  }
  return groups;
}

interface Verdict {
  readonly allowed: boolean;
  readonly text: string;
}

/*
 * One endpoint of a call, hop by hop: the caller's egress (to the pod, its cluster's pods, or the
 * east-west gateway's address), through a gateway its ingress, SNI cluster and egress, then the
 * pod's ingress and its sidecar. endpointOutcome (the check) and endpointTrace (fleet trace) read
 * the same verdicts; only the trace names every hop.
 */

/** The peer the caller's egress sees. */
function egressPeer(context: CallerContext, entry: ReachedEntry): CalicoPeer {
  if (entry.kind === 'relay') return gatewayAddress(context.model, entry.gateway);
  return entry.group.cluster === context.view.name ? entry.facts.target : entry.facts.pods;
}

/** The caller's egress: to the pod's port, or to the gateway's mTLS port. */
function egressProtocol(entry: ReachedEntry): 'TCP' | 'UDP' {
  return entry.kind === 'relay' ? 'TCP' : entry.group.transport;
}

function egressPort(context: CallerContext, entry: ReachedEntry): number {
  return entry.kind === 'relay' ? context.model.cluster(entry.gateway).facts.eastWestGateway!.port : entry.group.targetPort;
}

/** The peer the pod's ingress sees: the caller (same cluster), the caller's cluster's pods, the local gateway, or the relaying gateway's cluster's pods. */
function ingressPeer(context: CallerContext, entry: ReachedEntry): CalicoPeer {
  if (entry.kind === 'relay') return relayIngressPeer(context.model, entry);
  return entry.group.cluster === context.view.name ? context.me : context.pods;
}

function relayIngressPeer(model: MeshModel, entry: Extract<LayoutEntry, { kind: 'relay' }>): CalicoPeer {
  return entry.gateway === entry.group.cluster ? EAST_WEST_GATEWAY : podsOf(model, entry.gateway);
}

type ReachedEntry = Exclude<LayoutEntry, { kind: 'dropped' }>;

/** The destination sidecar's verdict on the caller (its principal only over Istio mTLS; through a gateway it always is). */
function l7Of(context: CallerContext, entry: ReachedEntry): Verdict {
  const { group, facts } = entry;
  if (!facts.sidecar) return NO_SIDECAR;
  const mtls = entry.kind === 'relay' || entry.mtls;
  const key = mtls ? context.mtlsKey : context.plainKey;
  facts.l7 ??= new Map();
  let verdict = facts.l7.get(key);
  if (!verdict) facts.l7.set(key, (verdict = l7Verdict(facts.view, group.workload, mtls ? context.mtlsPeer : context.plainPeer, group.targetPort)));
  return verdict;
}

/** An east-west gateway's hops to one pod of its network, before the pod's ingress: the same for every caller. */
interface RelayVerdicts {
  readonly gatewayIngress: Verdict;
  /** With a subset: the gateway's SNI cluster for it. */
  readonly sni?: Verdict;
  readonly forward: Verdict;
  /** Whether they all let the call through. */
  readonly allowed: boolean;
}

/** Memoised per group (one per service port and subset labels), gateway and subset name. */
function relayVerdicts(model: MeshModel, entry: Extract<LayoutEntry, { kind: 'relay' }>): RelayVerdicts {
  const key = entry.subset === undefined ? entry.gateway : `${entry.gateway}\0${entry.subset}`;
  entry.facts.relays ??= new Map();
  let relay = entry.facts.relays.get(key);
  if (!relay) entry.facts.relays.set(key, (relay = findRelayVerdicts(model, entry)));
  return relay;
}

function findRelayVerdicts(model: MeshModel, entry: Extract<LayoutEntry, { kind: 'relay' }>): RelayVerdicts {
  const { group, facts } = entry;
  const gw = model.cluster(entry.gateway);
  const gatewayIngress = calicoVerdict(gw, EAST_WEST_GATEWAY, 'Ingress', UNKNOWN_ADDRESS, 'TCP', gw.facts.eastWestGateway!.port);
  const sni = entry.subset === undefined ? undefined : sniCluster(gw, entry.service, entry.servicePort, entry.subset);
  const to: CalicoPeer = entry.gateway === group.cluster ? facts.target : facts.pods;
  const forward = calicoVerdict(gw, EAST_WEST_GATEWAY, 'Egress', to, group.transport, group.targetPort);
  return { gatewayIngress, sni, forward, allowed: gatewayIngress.allowed && (sni?.allowed ?? true) && forward.allowed };
}

/** The gateway's SNI cluster for a subset comes from the DestinationRule its own cluster holds (pilot networking/core/cluster.go buildOutboundSniDnatClusters). */
function sniCluster(gw: ClusterView, service: Service, servicePort: number, subset: string): Verdict {
  const gwRule = destinationRuleFor(gw, ROOT_NAMESPACE, service);
  if (gwRule?.subsets.has(subset)) return { allowed: true, text: `SNI cluster outbound_.${servicePort}_.${subset}_.${service.host} (subset of DestinationRule ${gwRule.namespace}/${gwRule.name})` };
  return { allowed: false, text: `denied: ${gw.name} holds no DestinationRule subset ${subset} for ${service.host}, so its east-west gateway has no SNI cluster for it (the connection is closed)` };
}

function endpointOutcome(context: CallerContext, entry: LayoutEntry): EndpointOutcome {
  if (entry.kind === 'dropped') return { allowed: false, crossNetwork: false, unroutable: true };
  const { group, facts } = entry;
  const to = egressPeer(context, entry);
  const protocol = egressProtocol(entry);
  const port = egressPort(context, entry);
  const from = ingressPeer(context, entry);
  const egress = verdictAt(context.egress, to, protocol, port);
  const ingress = verdictAt(facts.ingress, from, group.transport, group.targetPort);
  const l7 = l7Of(context, entry);
  return {
    allowed: egress.allowed && (entry.kind !== 'relay' || relayVerdicts(context.model, entry).allowed) && ingress.allowed && l7.allowed,
    crossNetwork: entry.kind === 'direct' && entry.crossNetwork,
    unroutable: false,
    egressClass: packetClassKey(context.egress, to, protocol, port),
    ingressClass: packetClassKey(facts.ingress, from, group.transport, group.targetPort),
    l4Allowed: egress.allowed && ingress.allowed,
    l7Allowed: l7.allowed,
  };
}

function endpointTrace(context: CallerContext, entry: LayoutEntry): EndpointTrace {
  const { group } = entry;
  const target = workloadEndpoint(context.model, group.workload);
  const base = { cluster: group.cluster, workload: target.describe, replicas: group.workload.replicas, targetPort: group.targetPort, priority: entry.priority };
  if (entry.kind === 'dropped') {
    const text = `Istio drops the endpoint: ${entry.reason}`;
    const deniedBy: Hop = { step: 'egress', at: context.view.name, allowed: false, text };
    return { ...base, path: `dropped: ${entry.reason}`, hops: [], allowed: false, deniedBy, unroutable: text };
  }
  const { facts } = entry;
  const [to, protocol, port, from] = [egressPeer(context, entry), egressProtocol(entry), egressPort(context, entry), ingressPeer(context, entry)];
  const egressVerdict = verdictAt(context.egress, to, protocol, port);
  const ingressVerdict = verdictAt(facts.ingress, from, group.transport, group.targetPort);
  const l7Verdict = l7Of(context, entry);
  const hop = (step: Hop['step'], at: string, verdict: Verdict): Hop => ({ step, at, allowed: verdict.allowed, text: verdict.text });
  const targetAt = placeOf(context.model, group.cluster, target);
  const egress = hop('egress', placeOf(context.model, context.view.name, context.me), egressVerdict);
  const ingress = hop('ingress', targetAt, ingressVerdict);
  const l7 = hop('l7', targetAt, l7Verdict);
  const classes = {
    egressClass: packetClass(context.egress, to, protocol, port),
    ingressClass: packetClass(facts.ingress, from, group.transport, group.targetPort),
    l4Allowed: egressVerdict.allowed && ingressVerdict.allowed,
    l7Allowed: l7Verdict.allowed,
  };
  if (entry.kind === 'direct') {
    const hops = [egress, ingress, l7];
    const deniedBy = firstDenied(hops);
    const path = entry.crossNetwork ? `direct, across networks (network ${group.network} has no east-west gateway)` : 'direct';
    const crossNetwork = entry.crossNetwork
      ? `${group.cluster} is on network ${group.network}, which has no east-west gateway: Istio sends to the pod IP directly (ep_filters.go: "as if they were on the same network")`
      : undefined;
    return { ...base, path, hops, allowed: deniedBy === undefined, deniedBy, ...classes, crossNetwork };
  }
  const relay = relayVerdicts(context.model, entry);
  const gwAt = `${entry.gateway} east-west gateway`;
  const hops = [egress, hop('ingress', gwAt, relay.gatewayIngress), ...(relay.sni ? [hop('gateway', gwAt, relay.sni)] : []), hop('egress', gwAt, relay.forward), ingress, l7];
  const deniedBy = firstDenied(hops);
  return { ...base, path: `via east-west gateway of ${entry.gateway}`, hops, allowed: deniedBy === undefined, deniedBy, ...classes };
}

const NO_SIDECAR: Verdict = { allowed: true, text: 'no sidecar: Istio enforces nothing here' };
const UNKNOWN_ADDRESS: AddressPeer = { kind: 'address', describe: 'a remote address (NAT)' };

function firstDenied(hops: readonly Hop[]): Hop | undefined {
  for (const hop of hops) if (!hop.allowed) return hop;
  return undefined;
}

/** `na-1 shop/web`: made once per cluster and pod. */
function placeOf(model: MeshModel, cluster: string, endpoint: LocalWorkload): string {
  const places = traceMemo(model).places;
  let byCluster = places.get(endpoint);
  if (!byCluster) places.set(endpoint, (byCluster = new Map()));
  let text = byCluster.get(cluster);
  if (text === undefined) byCluster.set(cluster, (text = `${cluster} ${endpoint.describe}`));
  return text;
}

/** The pods of a cluster, as an address: its pod CIDRs (unknown without them). */
export function podsOf(model: MeshModel, cluster: string): AddressPeer {
  return addressOf(model, 'pods', cluster, makePods);
}

function makePods(model: MeshModel, cluster: string): AddressPeer {
  const ranges = model
    .cluster(cluster)
    .facts.podCIDRs.map((c) => model.modelMemo.cidrs.parse(c))
    .filter((c): c is Cidr => c !== undefined);
  return {
    kind: 'address',
    ranges: ranges.length > 0 ? ranges : undefined,
    describe: ranges.length > 0 ? `pods of ${cluster} (${ranges.map((r) => r.text).join(', ')})` : `pods of ${cluster} (no podCIDRs: address unknown)`,
  };
}

/** An east-west gateway's addresses; unknown when one is a host name. */
export function gatewayAddress(model: MeshModel, cluster: string): AddressPeer {
  return addressOf(model, 'gateway address', cluster, makeGatewayAddress);
}

function makeGatewayAddress(model: MeshModel, cluster: string): AddressPeer {
  const addresses = model.cluster(cluster).facts.eastWestGateway?.addresses ?? [];
  const ranges = addresses.map((a) => model.modelMemo.cidrs.parse(a));
  const known = ranges.length > 0 && ranges.every((r) => r !== undefined);
  return { kind: 'address', ranges: known ? (ranges as Cidr[]) : undefined, describe: `east-west gateway of ${cluster} (${addresses.join(', ')})` };
}

/** One address peer per cluster and kind (Calico's verdicts are memoised by peer). */
function addressOf(model: MeshModel, what: 'pods' | 'gateway address', cluster: string, make: (model: MeshModel, cluster: string) => AddressPeer): AddressPeer {
  const byCluster = traceMemo(model).addresses[what];
  let peer = byCluster.get(cluster);
  if (!peer) byCluster.set(cluster, (peer = make(model, cluster)));
  return peer;
}
