import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { App, ResolvedFleet } from '../../model/fleet.js';
import type { AppSelectorSpec, GatewaySpec, TrafficRuleSpec, TrafficSource } from '../../model/spec.js';
import { callerKey, type Caller, type DestinationPolicy, type IngressGateway, type TrafficEdge, type TrafficGraph } from '../../model/traffic.js';
import type { SourceMap } from '../1-load/index.js';
import { DEFAULTS } from './defaults.js';
import { affinityMatches, appMatches } from './selectors.js';

const ROUTING_FIELDS = ['split', 'match', 'retries', 'timeout', 'fault', 'mirror'] as const;
const POLICY_FIELDS = ['tls', 'connectionPool', 'outlierDetection', 'failover', 'locality'] as const;

/**
 * The traffic graph of a resolved fleet: one edge per (caller, destination, rule), callers named
 * by app, by app selector or by ingress gateway. Placement plays no part here. Reports what is wrong
 * with the rules taken together: two routes for one caller, two policies for one destination,
 * selectors that open an app to everything or match nothing, gateways that run nowhere or among apps.
 */
export function buildTrafficGraph(fleet: ResolvedFleet, sourceMap: SourceMap, diagnostics: DiagnosticBag): TrafficGraph {
  const appsByName = new Map(fleet.apps.map((app) => [app.name, app]));
  const appsById = new Map(fleet.apps.map((app) => [app.id, app]));
  const gatewaySpecs = new Map(fleet.gateways.map((g) => [g.name, g]));
  const gateways = new Map<string, IngressGateway>();
  // Rules often select their callers alike (`tier: frontend` in one geography): each selector is matched against the apps once.
  const matchedBySelector = new Map<string, App[]>();

  const callersOf = (source: TrafficSource): Caller[] => {
    if (typeof source === 'string') {
      const app = appsByName.get(source);
      return app ? [{ app: app.id }] : [];
    }
    if ('ingress' in source) {
      const spec = gatewaySpecs.get(source.ingress);
      if (!spec) return [];
      if (!gateways.has(spec.name)) gateways.set(spec.name, resolveGateway(spec, fleet, sourceMap, diagnostics));
      return [{ ingress: spec.name }];
    }
    const selector = JSON.stringify(source.apps);
    let matched = matchedBySelector.get(selector);
    if (!matched) matchedBySelector.set(selector, (matched = fleet.apps.filter((app) => appMatches(app, source.apps))));
    if (!narrowsToApps(source.apps)) {
      const scope = source.apps.namespaces ? `every app in namespace(s) ${source.apps.namespaces.join(', ')}` : 'every app in the fleet';
      diagnostics.warning('traffic_open_to_all', `this selector lets ${scope} call the destination, including apps added later`, sourceMap.valueSpan(source, 'apps'), [
        'name the callers (`from: [web]`) or select them by labels (`{ apps: { matchLabels: { tier: frontend } } }`)',
      ]);
    } else if (matched.length === 0) {
      diagnostics.warning('traffic_selector_matches_nothing', 'this selector matches no app, so it allows no caller', sourceMap.valueSpan(source, 'apps'), ['check the labels and names it selects on']);
    }
    return matched.map((app) => ({ app: app.id }));
  };

  const edges: TrafficEdge[] = [];
  for (const rule of fleet.traffic) {
    const destination = appsByName.get(rule.to);
    if (!destination) continue; // reported by validation or resolution
    const ports = destination.ports.filter((p) => rule.ports?.includes(p.name) ?? true).map((p) => p.name);
    const routing = pick(rule, ROUTING_FIELDS);
    const seen = new Set<string>();
    rule.from.forEach((source, fromIndex) => {
      for (const caller of callersOf(source)) {
        const key = callerKey(caller);
        if (seen.has(key)) continue;
        seen.add(key);
        edges.push({ caller, to: destination.id, ports, routing, rule, fromIndex });
      }
    });
  }

  checkRouteConflicts(edges, appsById, sourceMap, diagnostics);
  const policies = mergePolicies(fleet.traffic, appsByName, sourceMap, diagnostics);
  edges.sort((a, b) => compare(a.to, b.to) || compare(callerKey(a.caller), callerKey(b.caller)) || compare(a.rule.name, b.rule.name));
  return { edges, policies, gateways: [...gateways.values()].sort((a, b) => compare(a.name, b.name)) };
}

/** A selector narrows to particular apps when it names them or selects on labels; namespaces alone do not. */
function narrowsToApps(selector: AppSelectorSpec): boolean {
  return selector.names !== undefined || selector.matchLabels !== undefined || selector.matchExpressions !== undefined;
}

function resolveGateway(spec: GatewaySpec, fleet: ResolvedFleet, sourceMap: SourceMap, diagnostics: DiagnosticBag): IngressGateway {
  const clusters = fleet.clusters.filter((c) => affinityMatches(c, spec.clusters ?? {})).map((c) => c.name);
  if (clusters.length === 0) {
    diagnostics.error('traffic_gateway_nowhere', `gateway \`${spec.name}\` runs in no cluster: its \`clusters\` affinity matches none, so no traffic can enter through it`, sourceMap.valueSpan(spec, 'clusters'), [
      'widen the affinity, or remove `clusters` to run the gateway in every cluster',
    ]);
  }
  const namespace = spec.namespace ?? DEFAULTS.gatewayNamespace;
  if (fleet.apps.some((app) => app.namespace === namespace)) {
    // fleet isolates the namespaces it manages (default deny), which would cut the gateway off.
    diagnostics.error(
      'traffic_gateway_in_app_namespace',
      `gateway \`${spec.name}\` runs in namespace \`${namespace}\`, which also holds apps; fleet isolates app namespaces, so the gateway would be cut off`,
      sourceMap.valueSpan(spec, spec.namespace ? 'namespace' : 'name'),
      [`run gateways in a namespace of their own (the default is \`${DEFAULTS.gatewayNamespace}\`)`],
    );
  }
  return {
    name: spec.name,
    namespace,
    selector: spec.selector ?? DEFAULTS.gatewaySelector,
    serviceAccount: spec.serviceAccount ?? DEFAULTS.gatewayServiceAccount,
    hosts: spec.hosts,
    port: spec.port ?? DEFAULTS.gatewayPort(spec.tlsSecret !== undefined),
    tlsSecret: spec.tlsSecret,
    clusters,
    spec,
  };
}

/**
 * A caller has one route per destination port: Istio keeps one VirtualService per host, so two
 * rules routing the same caller differently cannot both hold. An ingress gateway has one route in
 * all: every rule from it ends in a catch-all route, so a second rule would never be reached.
 * Rules are taken in the order written; the later one is reported.
 */
function checkRouteConflicts(edges: readonly TrafficEdge[], apps: ReadonlyMap<string, App>, sourceMap: SourceMap, diagnostics: DiagnosticBag): void {
  const first = new Map<string, { edge: TrafficEdge; route: string }>();
  const reported = new Set<string>();
  for (const edge of edges) {
    const routing = canonical(edge.routing);
    const slots =
      'app' in edge.caller
        ? edge.ports.map((port) => ({ slot: `${callerKey(edge.caller)}>${edge.to}:${port}`, port, route: routing }))
        : [{ slot: callerKey(edge.caller), port: '', route: `${edge.to}|${edge.ports.join(',')}|${routing}` }];
    for (const { slot, port, route } of slots) {
      const earlier = first.get(slot);
      if (!earlier) {
        first.set(slot, { edge, route });
        continue;
      }
      const once = `${edge.rule.name}|${callerKey(edge.caller)}`;
      if (earlier.route === route || reported.has(once)) continue;
      reported.add(once);
      const destination = apps.get(edge.to)!.name;
      const related = [{ span: sourceMap.valueSpan(earlier.edge.rule.from, earlier.edge.fromIndex)!, label: `rule \`${earlier.edge.rule.name}\` routes it here` }];
      const span = sourceMap.valueSpan(edge.rule.from, edge.fromIndex);
      if ('app' in edge.caller) {
        const caller = apps.get(edge.caller.app)!.name;
        diagnostics.error(
          'traffic_conflicting_routes',
          `rule \`${edge.rule.name}\` routes \`${caller}\` to \`${destination}\` (port ${port}) differently from rule \`${earlier.edge.rule.name}\`; a caller has one route to a destination`,
          span,
          ['merge the two rules, or give them the same split, match, retries, timeout, fault and mirror'],
          related,
        );
      } else {
        const earlierDestination = apps.get(earlier.edge.to)!.name;
        diagnostics.error(
          'traffic_conflicting_routes',
          `gateway \`${edge.caller.ingress}\` already sends every request to \`${earlierDestination}\` (rule \`${earlier.edge.rule.name}\`), so rule \`${edge.rule.name}\` to \`${destination}\` would never be used`,
          span,
          ['route each destination through its own gateway, or merge the rules'],
          related,
        );
      }
    }
  }
}

/**
 * One DestinationRule per destination: the destination-wide fields of all rules to it merged. A
 * field set by two rules must agree, and `locality: Any` cannot go with `failover`. `failover`
 * without `outlierDetection` gets fleet's default outlier detection (DEFAULTS.failoverOutlierDetection):
 * Istio never fails over without it. What `locality` adds depends on the placement (istio/locality.ts).
 */
function mergePolicies(rules: readonly TrafficRuleSpec[], apps: ReadonlyMap<string, App>, sourceMap: SourceMap, diagnostics: DiagnosticBag): Map<string, DestinationPolicy> {
  const setBy = new Map<string, TrafficRuleSpec>();
  const destinations: App[] = [];
  for (const rule of rules) {
    const destination = apps.get(rule.to);
    if (!destination) continue;
    if (!destinations.includes(destination)) destinations.push(destination);
    for (const field of POLICY_FIELDS) {
      if (rule[field] === undefined) continue;
      const slot = `${destination.id}|${field}`;
      const earlier = setBy.get(slot);
      if (!earlier) setBy.set(slot, rule);
      else if (canonical(earlier[field]) !== canonical(rule[field])) {
        diagnostics.error(
          'traffic_conflicting_policy',
          `rules \`${earlier.name}\` and \`${rule.name}\` set \`${field}\` for \`${destination.name}\` differently; a destination has one DestinationRule for all its callers`,
          sourceMap.keySpan(rule, field),
          [`set \`${field}\` in one of the rules, or make the two the same`],
          [{ span: sourceMap.keySpan(earlier, field)!, label: `rule \`${earlier.name}\` sets it here` }],
        );
      }
    }
  }
  const policies = new Map<string, DestinationPolicy>();
  for (const destination of destinations) {
    const value = <F extends (typeof POLICY_FIELDS)[number]>(field: F) => setBy.get(`${destination.id}|${field}`)?.[field];
    const failover = value('failover');
    const outlierDetection = value('outlierDetection');
    const defaultOutlierDetection = failover !== undefined && outlierDetection === undefined;
    const locality = value('locality') ?? DEFAULTS.locality;
    if (locality === 'Any' && failover !== undefined) {
      // Failover is a locality priority: `Any` turns locality load balancing off (`enabled: false`), and Istio then ignores `failover`.
      const localityRule = setBy.get(`${destination.id}|locality`)!;
      const failoverRule = setBy.get(`${destination.id}|failover`)!;
      diagnostics.error(
        'traffic_conflicting_policy',
        `\`locality: Any\` spreads calls to \`${destination.name}\` over every locality, so the \`failover\` of rule \`${failoverRule.name}\` would never apply`,
        sourceMap.valueSpan(localityRule, 'locality'),
        ['remove `locality: Any` (failover needs locality load balancing), or remove `failover`'],
        [{ span: sourceMap.keySpan(failoverRule, 'failover')!, label: `rule \`${failoverRule.name}\` sets failover here` }],
      );
    }
    policies.set(destination.id, {
      tls: value('tls') ?? DEFAULTS.tls,
      connectionPool: value('connectionPool'),
      outlierDetection: defaultOutlierDetection ? DEFAULTS.failoverOutlierDetection : outlierDetection,
      defaultOutlierDetection,
      failover,
      locality,
    });
  }
  return policies;
}

function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) if (object[key] !== undefined) out[key] = object[key];
  return out;
}

/** JSON with object keys sorted, so equal values written in a different key order compare equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => compare(a, b))) : v));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
