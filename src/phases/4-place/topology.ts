import { isIP } from 'node:net';
import type { App, Cluster, ResolvedFleet } from '../../model/fleet.js';
import type { ClusterWorkload, Placement } from '../../model/plan.js';
import type { Caller, IngressGateway, TrafficEdge, TrafficGraph } from '../../model/traffic.js';

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
  private readonly workloads = new Map<string, Readonly<Record<string, ClusterWorkload>>>();
  private readonly gateways: ReadonlyMap<string, IngressGateway>;
  private readonly edgesTo = new Map<string, TrafficEdge[]>();
  private readonly edgesToFromApps = new Map<string, TrafficEdge[]>();
  private readonly edgesFrom = new Map<string, TrafficEdge[]>();
  private readonly edgesThrough = new Map<string, TrafficEdge[]>();
  private readonly gatewaysByNetwork = new Map<string, Cluster[]>();
  private readonly byNetwork = new WeakMap<readonly string[], ReadonlyMap<string, readonly string[]>>();
  private readonly asSet = new WeakMap<readonly string[], ReadonlySet<string>>();
  private readonly contents = new Map<string, ClusterContents>();
  /** Clusters outside the mesh (`mesh: none`); empty in an all-Istio fleet. */
  private readonly outsideMesh: ReadonlySet<string>;
  private readonly meshOnly = new WeakMap<readonly string[], readonly string[]>();

  constructor(
    fleet: ResolvedFleet,
    plan: Placement,
    readonly graph: TrafficGraph,
  ) {
    this.clusters = new Map(fleet.clusters.map((c) => [c.name, c]));
    this.outsideMesh = new Set(fleet.clusters.filter((c) => c.mesh === 'none').map((c) => c.name));
    this.apps = new Map(fleet.apps.map((a) => [a.id, a]));
    this.gateways = new Map(graph.gateways.map((g) => [g.name, g]));
    for (const placement of plan.apps) {
      const id = `${placement.namespace}/${placement.name}`;
      this.workloads.set(id, placement.workloads);
      this.placedIn.set(id, Object.keys(placement.workloads).sort());
    }
    for (const edge of graph.edges) {
      push(this.edgesTo, edge.to, edge);
      if ('app' in edge.caller) {
        push(this.edgesFrom, edge.caller.app, edge);
        push(this.edgesToFromApps, edge.to, edge);
      } else push(this.edgesThrough, edge.caller.ingress, edge);
    }
    for (const cluster of fleet.clusters) if (cluster.eastWestGateway) push(this.gatewaysByNetwork, networkOf(cluster), cluster);
    this.layOut(fleet);
  }

  /**
   * P(app): clusters where the app runs (it was placed there; an override may have scaled it to
   * zero, and its workloads are still rendered), sorted by name; empty when placement failed.
   */
  placed(appId: string): readonly string[] {
    return this.placedIn.get(appId) ?? [];
  }

  /** What runs of an app in a cluster of P(app), as placement decided it. */
  workloadOf(appId: string, cluster: string): ClusterWorkload {
    return this.workloads.get(appId)![cluster];
  }

  /** Whether placement produced a result for the app (it reported an error otherwise). */
  wasPlaced(appId: string): boolean {
    return this.placedIn.has(appId);
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
   * Where a destination pod in `here` receives connections from callers in `callers`, by Istio's
   * endpoint rule (see `reachesDirectly`, `reachesThroughGateway`): from a local caller directly;
   * from callers whose sidecars reach this cluster's pods directly, by their pod IPs; and, when some
   * caller goes through this network's east-west gateways, from the gateways callers are sent to
   * for the destination's pods on this network (`destinations`: where it runs; see gatewaysTo):
   * this cluster's own, or, by pod IP, those of the other clusters (they forward to pods here).
   */
  inbound(here: string, allCallers: readonly string[], destinations: readonly string[]): Inbound {
    const callers = this.reachableFrom(here, allCallers);
    const network = this.network(here);
    const pods = new Set<string>();
    let throughGateway = false;
    for (const [from, clusters] of this.groupByNetwork(callers)) {
      if (this.reachesDirectly(from, network)) for (const c of clusters) if (c !== here) pods.add(c);
      if (this.reachesThroughGateway(from, network)) throughGateway = true;
    }
    // A caller is sent to the gateway of an endpoint's cluster, but the gateway, in AUTO_PASSTHROUGH,
    // balances over every endpoint of the service on its network, in whichever cluster.
    let ownGateway = false;
    if (throughGateway) {
      for (const relay of this.gatewaysTo(network, this.groupByNetwork(this.reachableFrom(here, destinations)).get(network) ?? [])) {
        if (relay.name === here) ownGateway = true;
        else pods.add(relay.name);
      }
    }
    return { local: this.contains(callers, here), pods: [...pods].sort(), eastWestGateway: ownGateway };
  }

  /**
   * The east-west gateways a caller on another network is sent to for pods in `clusters` (all on
   * `network`): each cluster's own gateway, and the network's others for a cluster without one.
   * Istio picks an endpoint's gateways by its network and cluster, and by its network alone only
   * when its cluster has none (istio/istio pilot/pkg/xds/endpoints/ep_filters.go,
   * selectNetworkGateways: GatewaysForNetworkAndCluster, else GatewaysForNetwork).
   */
  private gatewaysTo(network: string, clusters: readonly string[]): Iterable<Cluster> {
    const gateways = new Map<string, Cluster>();
    for (const c of clusters) {
      const cluster = this.clusters.get(c)!;
      for (const gateway of cluster.eastWestGateway ? [cluster] : this.eastWestGateways(network)) gateways.set(gateway.name, gateway);
    }
    return gateways.values();
  }

  /**
   * Where a caller in `here` connects to reach destination pods in `destinations` (Istio may use any
   * of them): a local pod directly, a pod Istio sends to directly by its IP (see `reachesDirectly`),
   * and a pod on a network with east-west gateways through those gateways. Every destination is
   * reached one way or the other: a network without an east-west gateway is flat to Istio.
   */
  outbound(here: string, allDestinations: readonly string[]): Outbound {
    const destinations = this.reachableFrom(here, allDestinations);
    const network = this.network(here);
    const pods: string[] = [];
    const gateways = new Map<string, Cluster>();
    for (const [to, clusters] of this.groupByNetwork(destinations)) {
      if (this.reachesDirectly(network, to)) for (const c of clusters) if (c !== here) pods.push(c);
      if (this.reachesThroughGateway(network, to)) for (const gateway of this.gatewaysTo(to, clusters)) gateways.set(gateway.name, gateway);
    }
    const sortedGateways = [...gateways.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { local: this.contains(destinations, here), pods: pods.sort(), gateways: sortedGateways };
  }

  /** Whether `cluster` runs Istio (`mesh`, else `mesh.provider`). */
  inMesh(cluster: string): boolean {
    return !this.outsideMesh.has(cluster);
  }

  /**
   * Of `clusters`, those whose pods a pod in `here` talks to (and hears from) for a traffic rule.
   * Across clusters only Istio connects pods: its control plane discovers the endpoints of every
   * cluster of the mesh, where a plain Kubernetes Service has only its own cluster's. So a cluster
   * outside the mesh reaches only itself, and a mesh cluster only mesh clusters: istiod has no
   * endpoints of a cluster it was not given (docs/traffic.md, "Clusters without a mesh"). The
   * same list, not a copy, when every cluster is in the mesh.
   */
  reachableFrom(here: string, clusters: readonly string[]): readonly string[] {
    if (this.outsideMesh.size === 0) return clusters;
    if (this.outsideMesh.has(here)) return this.contains(clusters, here) ? [here] : [];
    let inMesh = this.meshOnly.get(clusters);
    if (!inMesh) this.meshOnly.set(clusters, (inMesh = clusters.filter((c) => !this.outsideMesh.has(c))));
    return inMesh;
  }

  /**
   * Whether a sidecar on network `from` may be sent straight to the pod IP of an endpoint on network
   * `to`. Istio's endpoint filter (pilot/pkg/xds/endpoints/ep_filters.go, EndpointsByNetworkFilter)
   * adds an endpoint directly when `proxy.InNetwork(epNetwork) || len(gateways) == 0`: the same
   * network, either network unset (`InNetwork` treats "" as every network), or a network with no
   * east-west gateway, which Istio treats as flat ("as if they were on the same network", its comment).
   */
  private reachesDirectly(from: string, to: string): boolean {
    return from === to || from === DEFAULT_NETWORK || to === DEFAULT_NETWORK || this.eastWestGateways(to).length === 0;
  }

  /**
   * Whether a sidecar on network `from` may be sent to the east-west gateways of network `to` for an
   * endpoint there: another network that has gateways. From a sidecar without a network too: since
   * Istio 1.30 (istio/istio#58613, `forceGateway`) such a proxy goes through the gateways of an
   * endpoint's network, where earlier releases went direct; fleet allows both, so either works.
   */
  private reachesThroughGateway(from: string, to: string): boolean {
    return to !== DEFAULT_NETWORK && from !== to && this.eastWestGateways(to).length > 0;
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

  /**
   * The clusters whose east-west gateway its callers (in `callers`) go through to reach the app's
   * pods (as `outbound` picks them), but for those that run the app or call it. Such a gateway, in
   * AUTO_PASSTHROUGH mode, routes by SNI to clusters its own istiod builds, per subset, from the
   * DestinationRules of its own cluster (docs/mesh-model.md R-I10; istio/istio
   * pilot/pkg/networking/core/cluster.go, buildOutboundSniDnatClusters): without the app's
   * DestinationRule there, a subset-routed call it relays finds no SNI cluster and is closed.
   */
  private relaysOf(appId: string, callers: ReadonlySet<string>): string[] {
    const placed = this.placed(appId);
    // outbound depends on the caller's cluster only through its network and being in the mesh: one caller per network stands for all.
    const callerOfNetwork = new Map<string, string>();
    for (const caller of callers) if (this.inMesh(caller)) callerOfNetwork.set(this.network(caller), caller);
    const relays = new Set<string>();
    for (const caller of callerOfNetwork.values()) {
      for (const gateway of this.outbound(caller, placed).gateways) if (!callers.has(gateway.name) && !this.contains(placed, gateway.name)) relays.add(gateway.name);
    }
    return [...relays].sort();
  }

  /**
   * R1–R6: each app's workloads where placed; each destination's Service, DestinationRule and mesh
   * routes where its callers run; its DestinationRule also where an east-west gateway relays its
   * callers to its pods.
   */
  private layOut(fleet: ResolvedFleet): void {
    const at = (cluster: string) => {
      let contents = this.contents.get(cluster);
      if (!contents) this.contents.set(cluster, (contents = { placed: [], destinations: [], meshDestinations: [], relays: [], gateways: [] }));
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
      for (const cluster of this.relaysOf(app.id, all)) at(cluster).relays.push(app);
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
  /** Apps neither here nor called from here whose callers this cluster's east-west gateway relays to their pods: their DestinationRule (R5). */
  readonly relays: App[];
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
  /** Other clusters whose pods connect by pod IP: callers Istio sends here directly, and east-west gateways of this network that callers on other networks are sent to for the destination's pods. */
  readonly pods: readonly string[];
  /** Traffic from other networks arrives through this cluster's own east-west gateway. */
  readonly eastWestGateway: boolean;
}

export interface Outbound {
  /** The destination runs in this cluster. */
  readonly local: boolean;
  /** Other clusters that run the destination and whose pods Istio sends to directly (same network, or a network without east-west gateways). */
  readonly pods: readonly string[];
  /** The east-west gateways (their clusters) Istio sends to for destinations on other networks that have some, sorted by name. */
  readonly gateways: readonly Cluster[];
}

/**
 * A cluster's Istio network; `''` when it names none. Istio treats an endpoint or a proxy without a
 * network as on the same network as everything (pods reachable directly).
 */
export function networkOf(cluster: Cluster): string {
  return cluster.network ?? DEFAULT_NETWORK;
}

/** Whether a cluster's east-west gateway is given by IP addresses only, which a Calico GlobalNetworkSet can hold (it takes CIDRs, not host names). */
export function gatewayByAddress(cluster: Cluster): boolean {
  return cluster.eastWestGateway!.addresses.every((a) => isIP(a) !== 0);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
