import type { Labels } from './calico-selector.js';
import { type ClusterView, cmp, type DestinationRule, type MeshModel, type Service, type ServicePort, type VirtualService, type Workload } from './model.js';

/**
 * Istio's client-side routing, from the rendered VirtualServices, DestinationRules, Services and
 * Deployments of each cluster (istio/istio 1.31 pilot; docs/mesh-model.md cites each rule):
 *
 * - Config is local to each primary: a caller uses only the VirtualServices and DestinationRules
 *   of its own cluster (istio/istio#44863; istio.io "multicluster traffic management").
 * - Routes are tried in order; the first whose match applies wins. A match entry's `port`,
 *   `sourceLabels`, `sourceNamespace` and `gateways` depend on the caller; `headers`, `uri` & co.
 *   on the request (networking/v1alpha3 virtual_service.proto HTTPMatchRequest).
 * - HTTP with a VirtualService but no route that applies: Envoy answers 404 (route not found);
 *   TCP falls back to the whole service (pilot networking/core/tls.go: `if !defaultRouteAdded`).
 *   No VirtualService: the whole service.
 * - A subset is defined by the DestinationRule the caller's cluster holds for the host, looked up in
 *   the caller's namespace, then the service's, then the root namespace (istio.io traffic-management
 *   best practices); a route to a subset no DestinationRule defines has no Envoy cluster (503).
 * - Endpoints: the pods of every cluster holding the Service whose labels match its selector (and the
 *   subset's labels), as each cluster's EndpointSlices list them; Istio merges same-named Services.
 */

/** The proxy that makes the call: an app's sidecar, or an ingress gateway's pod. */
export interface MeshCaller {
  readonly cluster: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly serviceAccount: string;
  /** `shop/web`, `ingress public`. */
  readonly describe: string;
  /** Set for an ingress gateway: `<namespace>/<gateway>`, the Gateway its VirtualServices bind to. */
  readonly gateway?: string;
}

export type RouteProtocol = 'http' | 'tcp' | 'unrouted';

/**
 * Istio's protocol for a Service port: `appProtocol`, else the port name's prefix
 * (istio.io "Protocol Selection"). HTTP, HTTP2 and gRPC are routed per request; UDP is not
 * proxied; TLS and HTTPS pass through on TCP routes.
 */
export function protocolOf(port: ServicePort): RouteProtocol {
  const named = (port.appProtocol ?? port.name?.split('-')[0] ?? '').toLowerCase();
  if (port.protocol === 'UDP' || named === 'udp') return 'unrouted';
  if (['http', 'http2', 'grpc', 'grpc-web', 'h2c'].includes(named)) return 'http';
  return 'tcp';
}

export interface RouteDestination {
  readonly host: string;
  readonly subset?: string;
  readonly port: number;
  readonly weight: number;
}

export interface RouteStep {
  /** The route's `name`, or `http[2]` / `tcp[0]`. */
  readonly name: string;
  /** What of the request the route needs, in words; absent when it takes every request of this caller. */
  readonly condition?: string;
  readonly destinations: readonly RouteDestination[];
}

export interface RoutePlan {
  readonly virtualService?: { readonly namespace?: string; readonly name: string };
  /** The routes this caller's requests on this port may take, in order; the last takes whatever the others left. */
  readonly routes: readonly RouteStep[];
  /** Requests that find no route (HTTP 404), when some may. */
  readonly noRoute?: string;
}

/** The routes a caller in its cluster takes to `service` on `port` (a Service port number). */
export function routeFor(model: MeshModel, caller: MeshCaller, service: Service, port: ServicePort): RoutePlan {
  const view = model.cluster(caller.cluster);
  const kind = protocolOf(port);
  const whole: RouteStep = { name: 'default', destinations: [{ host: service.host, port: port.port, weight: 100 }] };
  if (kind === 'unrouted') return { routes: [whole] };
  const vs = virtualServiceFor(view, caller, service);
  if (!vs) return { routes: [whole] };
  const ref = { namespace: vs.namespace, name: vs.name };
  const list = kind === 'http' ? vs.http : vs.tcp;
  const routes: RouteStep[] = [];
  for (const [index, route] of list.entries()) {
    const applies = matchOf(route.match as Record<string, unknown>[] | undefined, caller, port.port);
    if (applies === 'never') continue;
    const name = (route.name as string | undefined) ?? `${kind}[${index}]`;
    routes.push({ name, condition: applies === 'always' ? undefined : applies, destinations: destinationsOf(route.route as Record<string, any>[] | undefined, service, port) });
    if (applies === 'always') return { virtualService: ref, routes };
  }
  if (kind === 'tcp') return { virtualService: ref, routes: [...routes, whole] };
  return { virtualService: ref, routes, noRoute: `no route of VirtualService ${vs.namespace}/${vs.name} takes ${routes.length > 0 ? 'the other requests' : 'these requests'} (HTTP 404)` };
}

/**
 * The VirtualService a caller uses for a host: an ingress gateway's are bound to its Gateway
 * (`gateways: [ns/name]`) and route its external hosts; a sidecar's are bound to `mesh` and name the
 * service's host. Several for one host: Istio uses the oldest (IST0109), which the manifests cannot
 * tell; the first by namespace and name is taken.
 */
function virtualServiceFor(view: ClusterView, caller: MeshCaller, service: Service): VirtualService | undefined {
  if (!caller.gateway) {
    // Indexed by the hosts as written: a mesh VirtualService names the service by one of them.
    const byHost = view.memoised('mesh vs by host', () => {
      const index = new Map<string, VirtualService[]>();
      for (const vs of view.virtualServices) if (vs.gateways.includes('mesh')) for (const h of vs.hosts) index.set(h, [...(index.get(h) ?? []), vs]);
      return index;
    });
    const named = [service.host, `${service.name}.${service.namespace}`, `${service.name}.${service.namespace}.svc`, service.name].flatMap((h) => byHost.get(h) ?? []);
    return named.filter((vs) => vs.hosts.some((h) => hostMatches(h, vs.namespace, service))).sort((a, b) => cmp(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`))[0];
  }
  const candidates = view.virtualServices.filter((vs) => {
    if (caller.gateway) {
      const bound = vs.gateways.some((g) => g === caller.gateway || (!g.includes('/') && `${vs.namespace}/${g}` === caller.gateway));
      return bound && [...vs.http, ...vs.tcp].some((r) => ((r.route as Record<string, any>[] | undefined) ?? []).some((d) => hostMatches(d.destination?.host, vs.namespace, service)));
    }
    return vs.gateways.includes('mesh') && vs.hosts.some((h) => hostMatches(h, vs.namespace, service));
  });
  return candidates.sort((a, b) => cmp(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`))[0];
}

/** Whether a host as written in a rule in `namespace` names the service (short names resolve against the rule's namespace). */
export function hostMatches(host: string | undefined, namespace: string | undefined, service: Service): boolean {
  if (!host) return false;
  if (host === service.host) return true;
  if (host === `${service.name}.${service.namespace}` || host === `${service.name}.${service.namespace}.svc`) return true;
  return host === service.name && namespace === service.namespace;
}

/** 'always' | 'never' | the request condition in words. */
function matchOf(match: Record<string, unknown>[] | undefined, caller: MeshCaller, port: number): string {
  if (!match || match.length === 0) return 'always';
  const conditions: string[] = [];
  for (const m of match) {
    if (m.port !== undefined && m.port !== port) continue;
    const sourceLabels = m.sourceLabels as Labels | undefined;
    if (sourceLabels && !Object.entries(sourceLabels).every(([k, v]) => caller.labels[k] === v)) continue;
    if (m.sourceNamespace !== undefined && m.sourceNamespace !== caller.namespace) continue;
    const gateways = m.gateways as string[] | undefined;
    if (gateways && !gateways.includes(caller.gateway ?? 'mesh')) continue;
    const request = Object.entries(m)
      .filter(([k]) => !['port', 'sourceLabels', 'sourceNamespace', 'gateways', 'name', 'ignoreUriCase'].includes(k))
      .map(([k, v]) => `${k} ${JSON.stringify(v)}`);
    if (request.length === 0) return 'always';
    conditions.push(request.join(' and '));
  }
  return conditions.length === 0 ? 'never' : conditions.join(' or ');
}

function destinationsOf(route: Record<string, any>[] | undefined, service: Service, port: ServicePort): RouteDestination[] {
  const list = route ?? [];
  return list.map((r) => ({
    host: r.destination?.host === service.name || r.destination?.host === `${service.name}.${service.namespace}` ? service.host : (r.destination?.host ?? service.host),
    subset: r.destination?.subset,
    port: r.destination?.port?.number ?? port.port,
    // A lone destination takes everything; otherwise an unset weight is 0 (virtual_service.proto HTTPRouteDestination.weight).
    weight: list.length === 1 ? 100 : (r.weight ?? 0),
  }));
}

/** The DestinationRule a proxy in `namespace` of `view` applies to `service`: its namespace, the service's, then the root namespace. */
export function destinationRuleFor(view: ClusterView, namespace: string, service: Service): DestinationRule | undefined {
  const memo = view.memoised('dr by host', () => new Map<string, Map<string, DestinationRule | undefined>>());
  let byNamespace = memo.get(service.host);
  if (!byNamespace) memo.set(service.host, (byNamespace = new Map()));
  if (byNamespace.has(namespace)) return byNamespace.get(namespace);
  const found = findDestinationRule(view, namespace, service);
  byNamespace.set(namespace, found);
  return found;
}

function findDestinationRule(view: ClusterView, namespace: string, service: Service): DestinationRule | undefined {
  const byNamespace = view.memoised('dr by namespace', () => {
    const index = new Map<string, DestinationRule[]>();
    for (const dr of view.destinationRules) index.set(dr.namespace ?? '', [...(index.get(dr.namespace ?? '') ?? []), dr]);
    return index;
  });
  for (const ns of [namespace, service.namespace, ROOT_NAMESPACE]) {
    const found = (byNamespace.get(ns) ?? []).filter((dr) => hostMatches(dr.host, dr.namespace, service)).sort((a, b) => cmp(a.name, b.name))[0];
    if (found) return found;
  }
  return undefined;
}

/** Istio's root configuration namespace (MeshConfig.rootNamespace default). */
export const ROOT_NAMESPACE = 'istio-system';

/** The Service a host names, as any cluster holds it (fleet renders it byte-identical everywhere: IST0170). */
export function serviceOf(model: MeshModel, host: string): Service | undefined {
  const first = model.serviceClusters.get(host)?.[0];
  if (!first) return undefined;
  return [...model.cluster(first).services.values()].find((s) => s.host === host);
}

/** An app's Service: the one named after it, else any that selects its pods (`app: <name>`). */
export function serviceOfApp(model: MeshModel, namespace: string, name: string): Service | undefined {
  const named = serviceOf(model, `${name}.${namespace}.svc.cluster.local`);
  if (named) return named;
  for (const view of model.clusters.values()) {
    const found = [...view.services.values()].filter((s) => s.namespace === namespace && s.selector?.app === name).sort((a, b) => cmp(a.name, b.name))[0];
    if (found) return found;
  }
  return undefined;
}

/** A group of endpoints: the pods of one Deployment in one cluster. */
export interface EndpointGroup {
  readonly cluster: string;
  readonly workload: Workload;
  /** `<cluster>/<workload name>`: what a gateway relays to once. */
  readonly workloadKey: string;
  /** The port the pods receive on (the Service's targetPort). */
  readonly targetPort: number;
  readonly transport: 'TCP' | 'UDP';
  readonly network: string;
  readonly region?: string;
  readonly zone?: string;
}

/** The endpoints of a service port (and subset labels) in every cluster that holds the Service. */
export function endpointsOf(model: MeshModel, service: Service, port: number, subsetLabels: Labels | undefined): EndpointGroup[] {
  // By the subset labels' object first (one per DestinationRule subset), then by their content.
  const memo = model.memo('endpoints by host', () => new Map<string, Map<number, Map<Labels | undefined, EndpointGroup[]>>>());
  let byPort = memo.get(service.host);
  if (!byPort) memo.set(service.host, (byPort = new Map()));
  let bySubset = byPort.get(port);
  if (!bySubset) byPort.set(port, (bySubset = new Map()));
  let groups = bySubset.get(subsetLabels);
  if (!groups) {
    const key = `endpoints ${service.host} ${port} ${subsetLabels ? JSON.stringify(Object.entries(subsetLabels).sort()) : '-'}`;
    bySubset.set(subsetLabels, (groups = model.memo(key, () => findEndpoints(model, service, port, subsetLabels))));
  }
  return groups;
}

function findEndpoints(model: MeshModel, service: Service, port: number, subsetLabels: Labels | undefined): EndpointGroup[] {
  const groups: EndpointGroup[] = [];
  for (const cluster of model.serviceClusters.get(service.host) ?? []) {
    const view = model.cluster(cluster);
    const local = view.services.get(`${service.namespace}/${service.name}`);
    const servicePort = local?.ports.find((p) => p.port === port);
    if (!local?.selector || !servicePort) continue;
    for (const workload of view.workloadsIn(service.namespace)) {
      if (workload.replicas <= 0 || !labelsInclude(workload.labels, local.selector) || (subsetLabels && !labelsInclude(workload.labels, subsetLabels))) continue;
      const targetPort = typeof servicePort.targetPort === 'number' ? servicePort.targetPort : /^\d+$/.test(servicePort.targetPort) ? Number(servicePort.targetPort) : workload.ports.get(servicePort.targetPort)?.port;
      if (targetPort === undefined) continue; // a named targetPort the pod lacks: no endpoint (EndpointSlice controller)
      groups.push({
        cluster,
        workload,
        workloadKey: `${cluster}/${workload.name}`,
        targetPort,
        transport: servicePort.protocol === 'UDP' ? 'UDP' : 'TCP',
        network: view.facts.network,
        region: view.facts.region,
        zone: view.facts.zone,
      });
    }
  }
  return groups;
}

export function labelsInclude(labels: Labels, wanted: Labels): boolean {
  for (const key in wanted) if (labels[key] !== wanted[key]) return false;
  return true;
}

/** How a proxy reaches an endpoint. */
export type NetworkPath = { readonly kind: 'direct'; readonly crossNetwork: boolean } | { readonly kind: 'gateway'; readonly gateways: readonly string[] } | { readonly kind: 'dropped'; readonly reason: string };

/**
 * Istio's split-horizon EDS (pilot/pkg/xds/endpoints/ep_filters.go EndpointsByNetworkFilter, sidecar
 * mode): without any network gateway in the mesh every endpoint is used directly. Otherwise an
 * endpoint is used directly when the proxy is on its network (or either has none: Proxy.InNetwork)
 * or its network has no gateway; else it is replaced by its network's gateways (those in its own
 * cluster first: selectNetworkGateways), and dropped when the connection would not be Istio mTLS
 * ("Cross-network traffic relies on mTLS for SNI routing"). A proxy with no network that sees a
 * gateway for the endpoint's network goes through it (`forceGateway`).
 */
export function networkPath(model: MeshModel, fromCluster: string, endpoint: EndpointGroup, mtls: boolean): NetworkPath {
  const from = model.cluster(fromCluster).facts.network;
  if (!model.multiNetwork) return { kind: 'direct', crossNetwork: from !== '' && endpoint.network !== '' && from !== endpoint.network };
  const own = model.cluster(endpoint.cluster);
  const gateways = endpoint.network !== '' && own.facts.eastWestGateway ? [own.name] : model.gatewaysOf(endpoint.network).map((g) => g.name);
  const force = from === '' && endpoint.network !== '' && gateways.length > 0;
  const inNetwork = from === '' || endpoint.network === '' || from === endpoint.network;
  if (!force && (inNetwork || gateways.length === 0)) return { kind: 'direct', crossNetwork: !inNetwork };
  if (!mtls) return { kind: 'dropped', reason: `the endpoint is on network ${endpoint.network} and the connection would not be Istio mTLS (cross-network traffic relies on mTLS for SNI routing)` };
  return { kind: 'gateway', gateways };
}

/**
 * Whether the caller's sidecar speaks Istio mTLS to an endpoint (pilot endpoints/mtls_checker.go
 * checkMtlsEnabled): the DestinationRule's TLS mode when it sets one (ISTIO_MUTUAL or not);
 * otherwise auto mTLS, when the endpoint has a sidecar and its PeerAuthentication is not DISABLE.
 */
export function mtlsTo(dr: DestinationRule | undefined, subset: string | undefined, endpointHasSidecar: boolean, endpointPeerMode: string): boolean {
  const mode = (subset && dr?.subsets.get(subset)?.tlsMode) ?? dr?.tlsMode;
  if (mode !== undefined) return mode === 'ISTIO_MUTUAL';
  return endpointHasSidecar && endpointPeerMode !== 'DISABLE';
}

/**
 * Whether a pod gets a sidecar (istio.io "Installing the sidecar", injection policy): the pod's
 * `sidecar.istio.io/inject` decides when set; else its namespace's `istio-injection` (`enabled`
 * injects, `disabled` does not, and it takes precedence over a revision); else a revision label
 * `istio.io/rev` on the namespace or pod injects with that revision's control plane.
 */
export function hasSidecar(model: MeshModel, workload: Workload): boolean {
  const opt = workload.labels['sidecar.istio.io/inject'] ?? workload.annotations['sidecar.istio.io/inject'];
  if (opt === 'false') return false;
  if (opt === 'true') return true;
  const namespace = model.cluster(workload.cluster).namespaces.get(workload.namespace) ?? {};
  if (namespace['istio-injection'] !== undefined) return namespace['istio-injection'] === 'enabled';
  return namespace['istio.io/rev'] !== undefined || workload.labels['istio.io/rev'] !== undefined;
}

/**
 * Locality priorities (pilot networking/core/loadbalancer/loadbalancer.go): applied only when the
 * DestinationRule has outlier detection (`enableFailover := ... || OutlierDetection != nil`: "Failover
 * needs outlier detection, otherwise Envoy will never drop down to a lower priority") and locality
 * load balancing is not disabled. Priority by LbPriority (0 same region/zone/subzone, 1 same region
 * and zone, 2 same region, 3 else), and with `failover` from the caller's region, endpoints outside
 * its `to` region drop to 4 (applyLocalityFailover); priorities are then renumbered without gaps.
 * Undefined when every endpoint shares the load.
 */
export function localityPriorities(dr: DestinationRule | undefined, caller: { readonly region?: string; readonly zone?: string }, endpoints: readonly EndpointGroup[]): number[] | undefined {
  if (!dr?.outlierDetection || dr.localityEnabled === false) return undefined;
  const raw = endpoints.map((e) => {
    let priority = (e.region ?? '') !== (caller.region ?? '') ? 3 : (e.zone ?? '') !== (caller.zone ?? '') ? 2 : 0;
    if (priority === 3) {
      const rule = dr.failover.find((f) => f.from === caller.region);
      if (rule && e.region !== rule.to) priority = 4;
    }
    return priority;
  });
  const levels = [...new Set(raw)].sort((a, b) => a - b);
  return raw.map((p) => levels.indexOf(p));
}
