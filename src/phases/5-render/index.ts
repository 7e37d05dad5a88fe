import { App as Cdk8sApp, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { App, Cluster, ResolvedFleet } from '../../model/fleet.js';
import type { KubeObject, Manifest, ManifestSource, RenderedCluster } from '../../model/manifest.js';
import type { Placement } from '../../model/plan.js';
import type { TrafficRuleSpec } from '../../model/spec.js';
import type { TrafficEdge, TrafficGraph } from '../../model/traffic.js';
import { effectiveWorkload } from '../3-resolve/index.js';
import { renderEgressPolicy, renderIngressPolicy, type NetworkSetsNeeded } from './calico/app-policies.js';
import { renderCalicoBaseline } from './calico/baseline.js';
import { networkSetsNamed, renderNetworkSet } from './calico/network-sets.js';
import { FleetObject } from './fleet-object.js';
import { renderAuthorizationPolicy } from './istio/authorization-policy.js';
import { renderDestinationRule } from './istio/destination-rule.js';
import { renderGateway } from './istio/gateway.js';
import { renderGatewayVirtualService, renderMeshVirtualService } from './istio/virtual-service.js';
import { appLabels, fleetLabels } from './labels.js';
import { renderNamespace } from './namespace.js';
import { networkOf, Topology, type ClusterContents } from './topology.js';
import { AppWorkload, renderService, renderServiceAccount, workloadKey } from './workload.js';

export { MANAGER } from './labels.js';
export { checkTraffic } from './traffic-checks.js';

/**
 * One of `count` shares of the fleet's clusters, for rendering on several threads. A cluster's
 * output depends on the whole fleet but on no other cluster's output, so shards put together give
 * exactly what one render gives.
 */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * Which shard renders each cluster: the biggest clusters first, each to the shard with the least
 * work so far (by objects to render and files to write, roughly: an app placed in a cluster is
 * made and serialized there, while the objects it shares with other clusters are made once and
 * only written), so the threads finish together. Shard 0 is the main thread, which also parses
 * the spec, places, runs the checks, makes the lock while the others write, and records the synth
 * cache: it starts with 10% of a share counted (at 100 × 1,000 on two threads, that has the main
 * thread done with the lock when the other is done writing, give or take this VM's noise of ±0.2 s;
 * 17.5% had the main thread wait 0.14-0.45 s, 5% the other thread 0.17-0.49 s).
 * Every thread works this out alike from the same topology.
 */
function shardsOf(clusters: readonly Cluster[], topology: Topology, count: number): Map<string, number> {
  const weight = (c: ClusterContents) => 5 * c.placed.length + c.destinations.length + c.gateways.length;
  const weighed = clusters.flatMap((cluster) => {
    const contents = topology.contentsOf(cluster.name);
    return contents ? [{ name: cluster.name, weight: weight(contents) }] : [];
  });
  weighed.sort((a, b) => b.weight - a.weight || (a.name < b.name ? -1 : 1));
  const total = weighed.reduce((sum, c) => sum + c.weight, 0);
  const load = new Array<number>(count).fill(0);
  load[0] = (0.1 * total) / count;
  const shards = new Map<string, number>();
  for (const { name, weight } of weighed) {
    const lightest = load.indexOf(Math.min(...load));
    shards.set(name, lightest);
    load[lightest] += weight;
  }
  return shards;
}

export interface RenderOptions {
  /** Render only this share of the clusters (see Shard). */
  readonly shard?: Shard;
  /** False: make every object in every cluster afresh, not once (see SharedObjects). For tests. */
  readonly shareAcrossClusters?: boolean;
}

/**
 * Phase 5: one cdk8s App and Chart per cluster (so cdk8s work stays linear in the fleet's size),
 * rendered to plain JSON with toJson(); nothing is written to disk here. Which object goes to which
 * cluster follows docs/traffic.md (R1–R11); a cluster that holds nothing gets no folder.
 */
export function render(fleet: ResolvedFleet, plan: Placement, graph: TrafficGraph, fileOf: (specObject: object) => string, options?: RenderOptions): RenderedCluster[] {
  return [...renderClusters(fleet, plan, graph, fileOf, options)];
}

/**
 * render(), one cluster at a time: a caller that serializes each cluster before asking for the next
 * keeps only one cluster's objects alive, so they die young (a fleet's worth of JSON kept until the
 * end is copied by every minor garbage collection until promoted: a quarter of compile's time).
 */
export function* renderClusters(
  fleet: ResolvedFleet,
  plan: Placement,
  graph: TrafficGraph,
  fileOf: (specObject: object) => string,
  { shard = { index: 0, count: 1 }, shareAcrossClusters = true }: RenderOptions = {},
): Generator<RenderedCluster> {
  const topology = Topology.of(fleet, plan, graph);
  // Clusters that name no network are on every network (as in Istio): they do not make a fleet multi-network.
  const multiNetwork = new Set(fleet.clusters.map(networkOf).filter((n) => n !== '')).size > 1;
  const appSource = (app: App, field?: string): ManifestSource => ({ file: fileOf(app.spec), entry: `apps.${app.name}${field ? `.${field}` : ''}` });
  const clusterSource = (cluster: Cluster, field?: string): ManifestSource => ({ file: fileOf(cluster.spec), entry: `clusters.${cluster.name}${field ? `.${field}` : ''}` });
  // Shared by every object of the app (cdk8s copies labels into each object's metadata).
  const appLabelSets = new Map<App, Record<string, string>>();
  const labelsOf = (app: App) => appLabelSets.get(app) ?? appLabelSets.set(app, Object.freeze(appLabels(app, fleet.name, app.labels))).get(app)!;
  // The header of an object made from traffic rules: every rule, by name; the file of the first.
  // The topology hands out the same edge lists for every cluster, so each is worked out once.
  const rulesSources = new Map<readonly TrafficEdge[], ManifestSource>();
  const rulesSource = (edges: readonly TrafficEdge[]): ManifestSource => {
    let source = rulesSources.get(edges);
    if (!source) {
      const rules = [...new Map<string, TrafficRuleSpec>(edges.map((e) => [e.rule.name, e.rule])).values()].sort((a, b) => (a.name < b.name ? -1 : 1));
      rulesSources.set(edges, (source = { file: fileOf(rules[0]), entry: rules.map((r) => `traffic.${r.name}`).join(', ') }));
    }
    return source;
  };

  const shared = new SharedObjects(shareAcrossClusters);
  const shards = shard.count > 1 ? shardsOf(fleet.clusters, topology, shard.count) : undefined;
  for (const cluster of fleet.clusters) {
    const contents = topology.contentsOf(cluster.name);
    if (!contents || (shards && shards.get(cluster.name) !== shard.index)) continue;
    const own = new ClusterObjects(cluster.name);
    const sharedHere: Manifest[] = [];
    const share = (key: string, make: (scope: Construct) => void) => sharedHere.push(...shared.of(key, make));
    const present = [...new Map([...contents.placed, ...contents.destinations].map((app) => [app.id, app])).values()].sort((a, b) => (a.id < b.id ? -1 : 1));

    // R1: the namespaces of everything here, each from the first app (by id) in it. The same
    // namespace, network and first app make the same object, in whichever cluster.
    const namespaces = new Map<string, App>();
    for (const app of present) if (!namespaces.has(app.namespace)) namespaces.set(app.namespace, app);
    for (const [namespace, app] of namespaces) {
      share(`Namespace ${namespace} ${cluster.network ?? ''} ${app.id}`, (scope) => renderNamespace(scope, namespace, cluster.network, appSource(app, 'namespace')));
    }

    // R2: workloads where placed, each made once for every cluster where the app runs alike (most
    // do: the same overrides and replicas). R3: the Service wherever the app runs or is called from, identical everywhere.
    for (const app of contents.placed) {
      const workload = effectiveWorkload(app, cluster, topology.replicasOf(app.id, cluster.name), fleet.overrides);
      const versionReplicas = topology.versionReplicas(app).get(cluster.name)!;
      share(`ServiceAccount ${app.id} ${JSON.stringify(workload.labels)}`, (scope) => renderServiceAccount(scope, app, fleet.name, workload.labels, appSource(app)));
      share(`Deployment ${app.id} ${workloadKey(app, workload, versionReplicas)}`, (scope) => new AppWorkload(scope, { app, fleetName: fleet.name, workload, versionReplicas, source: appSource(app) }));
    }
    for (const app of present) share(`Service ${app.id}`, (scope) => renderService(scope, app, fleet.name, appSource(app)));

    // R4, R5: client-side Istio config where the callers run. R6: ingress where the gateway runs. R7: authorization where the destination runs.
    for (const app of contents.destinations) {
      share(`DestinationRule ${app.id}`, (scope) => renderDestinationRule(scope, app, graph.policies.get(app.id)!, labelsOf(app), rulesSource(topology.callersOf(app.id))));
    }
    for (const app of contents.meshDestinations) {
      share(`VirtualService ${app.id}`, (scope) => renderMeshVirtualService(scope, app, topology.meshCallersOf(app.id), topology.apps, labelsOf(app), rulesSource(topology.meshCallersOf(app.id))));
    }
    for (const gateway of contents.gateways) {
      share(`Gateway ${gateway.name}`, (scope) => {
        const edges = topology.ingressThrough(gateway.name);
        renderGateway(scope, gateway, fleetLabels(fleet.name), { file: fileOf(gateway.spec), entry: `gateways.${gateway.name}` });
        renderGatewayVirtualService(scope, gateway, edges[0], topology.apps.get(edges[0].to)!, fleetLabels(fleet.name), rulesSource(edges));
      });
    }
    for (const app of contents.placed) {
      if (topology.callersOf(app.id).length > 0) share(`AuthorizationPolicy ${app.id}`, (scope) => renderAuthorizationPolicy(scope, app, topology, labelsOf(app), rulesSource(topology.callersOf(app.id))));
    }

    // R8–R11: Calico default deny and platform baseline, then each app's allow-lists, then the network sets they name.
    renderCalicoBaseline(own.scope, cluster, multiNetwork, fleetLabels(fleet.name), clusterSource(cluster));
    const needed: NetworkSetsNeeded = { pods: new Set(), eastWestNetworks: new Set() };
    for (const app of contents.placed) {
      const into = topology.callersOf(app.id);
      const outOf = topology.calledBy(app.id);
      if (into.length > 0) renderIngressPolicy(own.scope, app, cluster.name, topology, needed, labelsOf(app), rulesSource(into));
      if (outOf.length > 0) renderEgressPolicy(own.scope, app, cluster.name, topology, needed, labelsOf(app), rulesSource(outOf));
      own.flush();
    }
    for (const set of networkSetsNamed(needed, topology)) {
      share(`GlobalNetworkSet ${set.kind} ${set.of.name}`, (scope) => renderNetworkSet(scope, set, fleetLabels(fleet.name), clusterSource));
    }

    yield { cluster: cluster.name, manifests: inApplyOrder([...own.manifests(), ...sharedHere]) };
  }
}

/** A chart in an App of its own; objects name themselves, so no name hashes. */
function emptyChart(name: string): Chart {
  return new Chart(new Cdk8sApp(), name, { disableResourceNameHashes: true });
}

/**
 * The chart a cluster's own objects are made in, emptied after each app: what was made is turned
 * into JSON at once and its constructs die young, where keeping every construct of the cluster
 * until the end had the garbage collector copy them all (about a tenth of compile's CPU).
 */
class ClusterObjects {
  private readonly chart: Chart;
  private readonly made: Manifest[] = [];

  constructor(cluster: string) {
    this.chart = emptyChart(cluster);
  }

  /** Where to make the cluster's objects. */
  get scope(): Chart {
    return this.chart;
  }

  /** Takes what was made since the last flush, and empties the chart. */
  flush(): void {
    for (const manifest of manifestsOf(this.chart)) this.made.push(manifest);
    for (const child of this.chart.node.children) this.chart.node.tryRemoveChild(child.node.id);
  }

  /** Every object made, unsorted. */
  manifests(): Manifest[] {
    this.flush();
    return this.made;
  }
}

/**
 * The objects that are the same in every cluster that holds them (R3–R7: an app's Service,
 * DestinationRule, mesh VirtualService and AuthorizationPolicy, an ingress gateway and its
 * VirtualService; R10: the network set of a cluster's pods or gateway): what they are made from
 * names no cluster but the one they describe. Also those that come out the same in many clusters,
 * keyed by everything they are made from (R1: a namespace, its network and first app; R2: an app's
 * ServiceAccount and Deployments, by its labels, image, env, annotations and replicas there). Each
 * is made once per render, in a chart of its own, and every cluster that needs it lists the same
 * manifest, which emit then serializes once. At fleet scale four in five objects are such copies.
 */
class SharedObjects {
  private readonly chart = emptyChart('shared');
  private readonly made = new Map<string, readonly Manifest[]>();

  /** `enabled` false: every `of` makes its objects afresh (tests compare the two). */
  constructor(private readonly enabled: boolean) {}

  /** The manifests `make` renders into a scope of its own, made the first time `key` is asked for. */
  of(key: string, make: (scope: Construct) => void): readonly Manifest[] {
    if (!this.enabled) {
      const scope = new Construct(emptyChart('shared'), key);
      make(scope);
      return manifestsOf(scope);
    }
    let manifests = this.made.get(key);
    if (!manifests) {
      const scope = new Construct(this.chart, key);
      make(scope);
      manifests = manifestsOf(scope).map((m) => ({ ...m, shared: true }));
      this.chart.node.tryRemoveChild(scope.node.id); // only the JSON is kept: the constructs die young
      this.made.set(key, manifests);
    }
    return manifests;
  }
}

/**
 * Apply order: what others depend on first (namespaces, identities, services), then by namespace and
 * name. DestinationRules come before the VirtualServices that name their subsets ("make before
 * break": a route to a subset its DestinationRule does not define yet fails with 503), and the
 * Calico Tier before the policies in it. kustomization.yaml keeps this order (`sortOptions: fifo`).
 */
export const KIND_ORDER = [
  'Namespace',
  'ServiceAccount',
  'Service',
  'Deployment',
  'DestinationRule',
  'Gateway',
  'VirtualService',
  'AuthorizationPolicy',
  'Tier',
  'GlobalNetworkSet',
  'GlobalNetworkPolicy',
  'NetworkPolicy',
];

function manifestsOf(scope: Construct): Manifest[] {
  return scope.node
    .findAll()
    .filter(FleetObject.is)
    .map((o) => ({ object: o.toJson() as KubeObject, source: o.source }));
}

/** Manifests in apply order: by kind (KIND_ORDER, then the rest), kind, apiVersion, namespace and name. */
export function inApplyOrder(manifests: readonly Manifest[]): Manifest[] {
  // Each manifest's key made once (a cluster sorts a thousand of them), not twice per comparison.
  const keyed = manifests.map((manifest) => ({ manifest, key: manifest.shared ? sharedApplyOrderKey(manifest.object) : applyOrderKey(manifest.object) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map(({ manifest }) => manifest);
}

/**
 * One string that sorts as the fields do, one after the other: the kind's rank as one character,
 * then the fields, each ended by a NUL (which no field holds, and which sorts a field before any
 * longer field it is the start of, as comparing the fields themselves does).
 */
function applyOrderKey(object: KubeObject): string {
  const rank = KIND_ORDER.indexOf(object.kind);
  return `${String.fromCharCode(0x41 + (rank === -1 ? KIND_ORDER.length : rank))}${object.kind}\0${object.apiVersion}\0${object.metadata.namespace ?? ''}\0${object.metadata.name}`;
}

/** Shared objects are listed in many clusters: their keys are kept. */
const SHARED_KEYS = new WeakMap<KubeObject, string>();
function sharedApplyOrderKey(object: KubeObject): string {
  let key = SHARED_KEYS.get(object);
  if (key === undefined) SHARED_KEYS.set(object, (key = applyOrderKey(object)));
  return key;
}
