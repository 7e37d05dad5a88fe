import type { App, Cluster, ResolvedFleet } from '../../model/fleet.js';
import type { Placement } from '../../model/plan.js';
import type { TrafficRuleSpec } from '../../model/spec.js';
import type { Caller, IngressGateway, TrafficEdge, TrafficGraph } from '../../model/traffic.js';
import { effectiveWorkload } from '../3-resolve/index.js';
import { versionReplicas } from './versions.js';

const BUILT = new WeakMap<Placement, Topology>();

/** The network of clusters that name none. */
const DEFAULT_NETWORK = '';

/**
 * The traffic graph laid over the placement: which clusters host each app and each caller, how two
 * clusters reach each other, and what every cluster must hold (docs/traffic.md, rules R1–R11).
 * Notation: P(app) = clusters where the app has replicas; C(app) = clusters hosting a caller of it.
 * Built once per compilation; every query is proportional to what it returns.
 */
export class Topology {
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly apps: ReadonlyMap<string, App>;
  private readonly placedIn = new Map<string, readonly string[]>();
  private readonly replicas = new Map<string, Readonly<Record<string, number>>>();
  private readonly gateways: ReadonlyMap<string, IngressGateway>;
  private readonly edgesTo = new Map<string, TrafficEdge[]>();
  private readonly edgesToFromApps = new Map<string, TrafficEdge[]>();
  private readonly edgesFrom = new Map<string, TrafficEdge[]>();
  private readonly edgesThrough = new Map<string, TrafficEdge[]>();
  private readonly gatewaysByNetwork = new Map<string, Cluster[]>();
  private readonly byNetwork = new WeakMap<readonly string[], ReadonlyMap<string, readonly string[]>>();
  private readonly asSet = new WeakMap<readonly string[], ReadonlySet<string>>();
  private readonly contents = new Map<string, ClusterContents>();
  private readonly rulesTo = new Map<string, TrafficRuleSpec[]>();
  private readonly versionSplits = new Map<string, ReadonlyMap<string, ReadonlyMap<string, number>>>();

  /** The topology of one compilation, built once for the traffic checks and for rendering alike. */
  static of(fleet: ResolvedFleet, plan: Placement, graph: TrafficGraph): Topology {
    const built = BUILT.get(plan);
    if (built && built.fleet === fleet && built.graph === graph) return built;
    const topology = new Topology(fleet, plan, graph);
    BUILT.set(plan, topology);
    return topology;
  }

  constructor(
    private readonly fleet: ResolvedFleet,
    plan: Placement,
    readonly graph: TrafficGraph,
  ) {
    this.clusters = new Map(fleet.clusters.map((c) => [c.name, c]));
    this.apps = new Map(fleet.apps.map((a) => [a.id, a]));
    this.gateways = new Map(graph.gateways.map((g) => [g.name, g]));
    for (const placement of plan.apps) {
      const id = `${placement.namespace}/${placement.name}`;
      this.replicas.set(id, placement.clusters);
      this.placedIn.set(id, Object.keys(placement.clusters).filter((c) => placement.clusters[c] > 0).sort());
    }
    for (const edge of graph.edges) {
      push(this.edgesTo, edge.to, edge);
      if ('app' in edge.caller) {
        push(this.edgesFrom, edge.caller.app, edge);
        push(this.edgesToFromApps, edge.to, edge);
      } else push(this.edgesThrough, edge.caller.ingress, edge);
    }
    for (const rule of fleet.traffic) push(this.rulesTo, rule.to, rule);
    for (const cluster of fleet.clusters) if (cluster.eastWestGateway) push(this.gatewaysByNetwork, networkOf(cluster), cluster);
    this.layOut(fleet);
  }

  /** P(app): clusters where the app has replicas, sorted by name; empty when placement failed. */
  placed(appId: string): readonly string[] {
    return this.placedIn.get(appId) ?? [];
  }

  /** The replicas placement gave an app in a cluster. */
  replicasOf(appId: string, cluster: string): number {
    return this.replicas.get(appId)?.[cluster] ?? 0;
  }

  /** Replicas per version (by name) in every cluster that runs the app (see versions.ts); empty maps for an app without versions. */
  versionReplicas(app: App): ReadonlyMap<string, ReadonlyMap<string, number>> {
    let split = this.versionSplits.get(app.id);
    if (!split) {
      const totals = new Map(this.placed(app.id).map((name) => [name, effectiveWorkload(app, this.clusters.get(name)!, this.replicasOf(app.id, name), this.fleet.overrides).replicas]));
      this.versionSplits.set(app.id, (split = versionReplicas(app, totals, this.rulesToApp(app))));
    }
    return split;
  }

  /** Whether placement produced a result for the app (it reported an error otherwise). */
  wasPlaced(appId: string): boolean {
    return this.placedIn.has(appId);
  }

  /** The traffic rules to an app, in the order written. */
  rulesToApp(app: App): readonly TrafficRuleSpec[] {
    return this.rulesTo.get(app.name) ?? [];
  }

  /** Edges into an app, sorted by caller, then rule. */
  callersOf(appId: string): readonly TrafficEdge[] {
    return this.edgesTo.get(appId) ?? [];
  }

  /** Edges into an app from other apps (not gateways): the mesh routes. Sorted by caller, then rule. */
  meshCallersOf(appId: string): readonly TrafficEdge[] {
    return this.edgesToFromApps.get(appId) ?? [];
  }

  /** Edges out of an app, sorted by destination, then rule. */
  calledBy(appId: string): readonly TrafficEdge[] {
    return this.edgesFrom.get(appId) ?? [];
  }

  /** Edges whose caller is an ingress gateway, sorted by destination, then rule. */
  ingressThrough(gateway: string): readonly TrafficEdge[] {
    return this.edgesThrough.get(gateway) ?? [];
  }

  gateway(name: string): IngressGateway {
    return this.gateways.get(name)!;
  }

  /** A caller's workload identity: an app runs as the service account named after it; a gateway as its own. */
  identityOf(caller: Caller): Identity {
    if ('app' in caller) {
      const app = this.apps.get(caller.app)!;
      return { namespace: app.namespace, serviceAccount: app.name };
    }
    const { namespace, serviceAccount } = this.gateway(caller.ingress);
    return { namespace, serviceAccount };
  }

  /** The clusters hosting an edge's caller: P(app), or where the ingress gateway runs. */
  callerClusters(edge: TrafficEdge): readonly string[] {
    return 'app' in edge.caller ? this.placed(edge.caller.app) : this.gateway(edge.caller.ingress).clusters;
  }

  network(cluster: string): string {
    return networkOf(this.clusters.get(cluster)!);
  }

  /** Clusters on a network that run an east-west gateway, sorted by name. */
  eastWestGateways(network: string): readonly Cluster[] {
    return this.gatewaysByNetwork.get(network) ?? [];
  }

  /** What a cluster must hold; undefined when it holds nothing of the fleet. */
  contentsOf(cluster: string): ClusterContents | undefined {
    return this.contents.get(cluster);
  }

  /**
   * Where a destination pod in `here` receives connections from callers in `callers`: from a local
   * caller directly, from a caller on the same network by its pod IP, and from a caller on another
   * network through an east-west gateway of this network (the local one, or another cluster's on
   * this network, which forwards to pods here by their IPs).
   */
  inbound(here: string, callers: readonly string[]): Inbound {
    const network = this.network(here);
    const groups = this.groupByNetwork(callers);
    const pods = new Set(this.sameNetworkAs(network, callers, groups).filter((c) => c !== here));
    const crossNetwork = network !== DEFAULT_NETWORK && [...groups.keys()].some((n) => n !== network && n !== DEFAULT_NETWORK);
    if (crossNetwork) for (const relay of this.eastWestGateways(network)) if (relay.name !== here) pods.add(relay.name);
    return {
      local: this.contains(callers, here),
      pods: [...pods].sort(),
      eastWestGateway: crossNetwork && this.clusters.get(here)!.eastWestGateway !== undefined,
    };
  }

  /**
   * Where a caller in `here` connects to reach destination pods in `destinations` (Istio may use any
   * of them): a local pod directly, a pod on the same network by its IP, a pod on another network
   * through that network's east-west gateways. Networks without one cannot be reached at all.
   */
  outbound(here: string, destinations: readonly string[]): Outbound {
    const network = this.network(here);
    const groups = this.groupByNetwork(destinations);
    const others = network === DEFAULT_NETWORK ? [] : [...groups.keys()].filter((n) => n !== network && n !== DEFAULT_NETWORK).sort();
    // Networks without an east-west gateway are left out: nothing there can be reached from here.
    return {
      local: this.contains(destinations, here),
      pods: this.sameNetworkAs(network, destinations, groups).filter((c) => c !== here),
      networks: others.filter((n) => this.eastWestGateways(n).length > 0),
    };
  }

  /** Of `clusters` (sorted, grouped as `groups`), those whose pods a pod on `network` reaches directly: same network, or either without one (as Istio assumes). Sorted. */
  private sameNetworkAs(network: string, clusters: readonly string[], groups: ReadonlyMap<string, readonly string[]>): readonly string[] {
    if (network === DEFAULT_NETWORK) return clusters;
    const own = groups.get(network) ?? [];
    const unset = groups.get(DEFAULT_NETWORK) ?? [];
    return unset.length === 0 ? own : [...own, ...unset].sort();
  }

  /** Membership in a list of clusters the topology handed out (P(app), a gateway's clusters), in constant time. */
  private contains(clusters: readonly string[], cluster: string): boolean {
    let set = this.asSet.get(clusters);
    if (!set) this.asSet.set(clusters, (set = new Set(clusters)));
    return set.has(cluster);
  }

  private groupByNetwork(clusters: readonly string[]): ReadonlyMap<string, readonly string[]> {
    let groups = this.byNetwork.get(clusters);
    if (!groups) {
      const built = new Map<string, string[]>();
      for (const cluster of clusters) push(built, this.network(cluster), cluster);
      this.byNetwork.set(clusters, (groups = built));
    }
    return groups;
  }

  /** R1–R6: each app's workloads where placed; each destination's Service, DestinationRule and mesh routes where its callers run. */
  private layOut(fleet: ResolvedFleet): void {
    const at = (cluster: string) => {
      let contents = this.contents.get(cluster);
      if (!contents) this.contents.set(cluster, (contents = { placed: [], destinations: [], meshDestinations: [], gateways: [] }));
      return contents;
    };
    for (const app of fleet.apps) for (const cluster of this.placed(app.id)) at(cluster).placed.push(app);
    for (const app of fleet.apps) {
      const mesh = new Set<string>();
      const all = new Set<string>();
      for (const edge of this.callersOf(app.id)) for (const cluster of this.callerClusters(edge)) all.add(cluster);
      for (const edge of this.meshCallersOf(app.id)) for (const cluster of this.callerClusters(edge)) mesh.add(cluster);
      // Apps are visited in id order, so each cluster's lists come out sorted.
      for (const cluster of all) at(cluster).destinations.push(app);
      for (const cluster of mesh) at(cluster).meshDestinations.push(app);
    }
    for (const gateway of this.graph.gateways) for (const cluster of gateway.clusters) at(cluster).gateways.push(gateway);
  }
}

/** Everything one cluster holds, each list sorted (apps by id, gateways by name). */
export interface ClusterContents {
  /** Apps with replicas here: workloads (R2), AuthorizationPolicies and Calico policies (R7–R9). */
  readonly placed: App[];
  /** Apps called from here by an app or a gateway: Service (R3), DestinationRule (R5). */
  readonly destinations: App[];
  /** Apps called from here by an app: the mesh VirtualService (R4). */
  readonly meshDestinations: App[];
  /** Ingress gateways running here: Gateway and its VirtualService (R6). */
  readonly gateways: IngressGateway[];
}

/** Who a workload is in the mesh: namespace and service account (Istio's mTLS identity, Calico's `serviceAccounts`). */
export interface Identity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface Inbound {
  /** A caller runs in this cluster. */
  readonly local: boolean;
  /** Other clusters (same network) whose pods connect: callers there, and east-west gateways relaying traffic from other networks. */
  readonly pods: readonly string[];
  /** Traffic from other networks arrives through this cluster's own east-west gateway. */
  readonly eastWestGateway: boolean;
}

export interface Outbound {
  /** The destination runs in this cluster. */
  readonly local: boolean;
  /** Other clusters on this network that run the destination. */
  readonly pods: readonly string[];
  /** Other networks that run the destination and have east-west gateways (the others cannot be reached). */
  readonly networks: readonly string[];
}

/**
 * A cluster's Istio network; `''` when it names none. Istio treats an endpoint or a proxy without a
 * network as on the same network as everything (pods reachable directly).
 */
export function networkOf(cluster: Cluster): string {
  return cluster.network ?? DEFAULT_NETWORK;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
