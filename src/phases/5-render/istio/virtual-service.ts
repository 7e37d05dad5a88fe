import type { Construct } from 'constructs';
import type { App, Port } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import { HTTP_PROTOCOLS, type IngressGateway, type Routing, type TrafficEdge } from '../../../model/traffic.js';
import { canonical } from '../../3-resolve/index.js';
import { FleetObject } from '../fleet-object.js';
import { selectorLabels } from '../labels.js';
import { hostOf } from './identity.js';

type Match = Record<string, unknown>;

/**
 * The mesh VirtualService of a destination (R4), rendered where app callers run; the same object in
 * every such cluster. Per port of the destination: HTTP, HTTP2 and GRPC ports get `http` routes, TCP
 * ports `tcp` routes; TLS and HTTPS ports (the app terminates TLS) would need SNI-matched `tls`
 * routes and pass through unrouted; sidecars do not proxy UDP. When all callers share one routing,
 * one set of routes for everyone; when rules route callers differently, each set matches its
 * callers by `sourceLabels` and `sourceNamespace`. Within a rule, `match` routes come first, in the
 * order written, then the split. Nothing is rendered when no port can be routed.
 */
export function renderMeshVirtualService(scope: Construct, app: App, edges: readonly TrafficEdge[], apps: ReadonlyMap<string, App>, labels: Record<string, string>, source: ManifestSource): void {
  const http: unknown[] = [];
  const tcp: unknown[] = [];
  const multiPort = app.ports.length > 1;
  for (const port of app.ports) {
    const kind = HTTP_PROTOCOLS.includes(port.protocol) ? 'http' : port.protocol === 'TCP' ? 'tcp' : undefined;
    if (!kind) continue;
    const groups = routeGroups(edges.filter((e) => e.ports.includes(port.name)));
    for (const group of groups) {
      const base: Match = multiPort ? { port: port.port } : {};
      const callers = group.callers.map((id) => apps.get(id)!);
      const conditions = groups.length > 1 ? callers.map((c) => ({ ...base, sourceLabels: selectorLabels(c), sourceNamespace: c.namespace })) : multiPort ? [base] : [];
      if (kind === 'http') http.push(...httpRoutes(app, port, group.routing, multiPort ? `${group.name}-${port.name}` : group.name, conditions));
      else tcp.push({ match: conditions.length > 0 ? conditions : undefined, route: weightedRoute(app, port, group.routing.split) });
    }
  }
  if (http.length + tcp.length === 0) return;
  new FleetObject(
    scope,
    `VirtualService/${app.namespace}/${app.name}`,
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: app.name, namespace: app.namespace, labels },
      spec: { hosts: [hostOf(app)], http: http.length > 0 ? http : undefined, tcp: tcp.length > 0 ? tcp : undefined },
    },
    source,
  );
}

/**
 * The VirtualService bound to an ingress gateway (R6), in the gateway's namespace, rendered where
 * the gateway runs: the gateway's hosts, routed as the one rule from it says (a gateway has one
 * route, see `traffic_conflicting_routes`) to the destination's one HTTP port.
 */
export function renderGatewayVirtualService(scope: Construct, gateway: IngressGateway, edge: TrafficEdge, destination: App, labels: Record<string, string>, source: ManifestSource): void {
  const port = destination.ports.find((p) => p.name === edge.ports[0])!;
  new FleetObject(
    scope,
    `VirtualService/${gateway.namespace}/${gateway.name}`,
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: gateway.name, namespace: gateway.namespace, labels },
      spec: {
        hosts: [...gateway.hosts],
        gateways: [`${gateway.namespace}/${gateway.name}`],
        http: httpRoutes(destination, port, edge.routing, edge.rule.name, []),
      },
    },
    source,
  );
}

interface RouteGroup {
  /** Named after its first rule. */
  readonly name: string;
  readonly routing: Routing;
  /** Caller app ids, sorted. */
  readonly callers: string[];
}

/** Edges with the same routing share routes; groups ordered by rule name, so output does not depend on input order. */
function routeGroups(edges: readonly TrafficEdge[]): RouteGroup[] {
  // Edges of one rule share their routing object: each is made canonical once.
  const keys = new Map<Routing, string>();
  const groups = new Map<string, { rules: string[]; routing: Routing; callers: Set<string> }>();
  for (const edge of edges) {
    if (!('app' in edge.caller)) continue; // gateways have their own VirtualService
    const key = keys.get(edge.routing) ?? keys.set(edge.routing, canonical(edge.routing)).get(edge.routing)!;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { rules: [], routing: edge.routing, callers: new Set() }));
    group.rules.push(edge.rule.name);
    group.callers.add(edge.caller.app);
  }
  return [...groups.values()].map((g) => ({ name: [...g.rules].sort()[0], routing: g.routing, callers: [...g.callers].sort() })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A rule's HTTP routes: one per `match` entry (to its version), then the split; timeout, retries, fault and mirror on each. */
function httpRoutes(app: App, port: Port, routing: Routing, name: string, conditions: readonly Match[]): Record<string, unknown>[] {
  const { timeout, retries, fault, mirror } = routing;
  const common = {
    timeout,
    retries,
    fault: fault && {
      delay: fault.delay && { fixedDelay: fault.delay.fixedDelay, percentage: percentage(fault.delay.percent) },
      abort: fault.abort && { httpStatus: fault.abort.httpStatus, percentage: percentage(fault.abort.percent) },
    },
    mirror: mirror && destination(app, port, mirror.version),
    mirrorPercentage: percentage(mirror?.percent),
  };
  const routes: Record<string, unknown>[] = (routing.match ?? []).map((m, i) => ({
    name: `${name}-match-${i + 1}`,
    match: (conditions.length > 0 ? conditions : [{}]).map((c) => ({ ...c, headers: m.headers, uri: m.uri })),
    route: [{ destination: destination(app, port, m.version) }],
    ...common,
  }));
  routes.push({ name, match: conditions.length > 0 ? [...conditions] : undefined, route: weightedRoute(app, port, routing.split), ...common });
  return routes;
}

/** The split as weighted destinations, versions in the app's order; versions with weight 0 left out. Without a split, the whole service. */
function weightedRoute(app: App, port: Port, split: Routing['split']): Record<string, unknown>[] {
  if (!split) return [{ destination: destination(app, port) }];
  const weighted = app.versions.filter((v) => (split[v.name] ?? 0) > 0).map((v) => ({ destination: destination(app, port, v.name), weight: split[v.name] }));
  return weighted.length === 1 ? [{ destination: weighted[0].destination }] : weighted;
}

/** Always with the port: a service with several ports needs it (IST0112), and it never hurts. */
function destination(app: App, port: Port, subset?: string): Record<string, unknown> {
  return { host: hostOf(app), port: { number: port.port }, subset };
}

function percentage(percent: number | undefined): { value: number } | undefined {
  return percent === undefined ? undefined : { value: percent };
}
