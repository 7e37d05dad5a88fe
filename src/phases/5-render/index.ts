import { App as Cdk8sApp, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { App, Cluster, ResolvedFleet } from '../../model/fleet.js';
import type { KubeObject, Manifest, ManifestSource, RenderedCluster } from '../../model/manifest.js';
import type { TrafficRuleSpec } from '../../model/spec.js';
import type { ClusterWorkload } from '../../model/plan.js';
import type { TrafficEdge } from '../../model/traffic.js';
import { renderEgressPolicy, renderIngressPolicy, type NetworkSetsNeeded } from './calico/app-policies.js';
import { renderCalicoBaseline } from './calico/baseline.js';
import { networkSetsNamed, renderNetworkSet } from './calico/network-sets.js';
import { FleetObject } from './fleet-object.js';
import { renderAllowNothingPolicy, renderAuthorizationPolicy } from './istio/authorization-policy.js';
import { renderDestinationRule } from './istio/destination-rule.js';
import { renderGateway } from './istio/gateway.js';
import { renderPeerAuthentication } from './istio/peer-authentication.js';
import { renderGatewayVirtualService, renderMeshVirtualService } from './istio/virtual-service.js';
import { appLabels, fleetLabels } from './labels.js';
import { renderNamespace } from './namespace.js';
import { renderKubernetesPolicies } from './network-policy/kubernetes.js';
import { networkOf, type Topology } from '../4-place/topology.js';
import { renderDeployments, renderService, renderServiceAccount } from './workload.js';
import { renderAutoscalers } from './workloads/autoscaler.js';
import { renderDisruptionBudget } from './workloads/disruption-budget.js';
import { renderHeadlessService } from './workloads/stateful-set.js';

export { MANAGER } from './labels.js';

export interface RenderOptions {
  /** False: make every object in every cluster afresh, not once (see SharedObjects). For tests. */
  readonly shareAcrossClusters?: boolean;
  /** Which clusters to render (all by default): an incremental compile carries the others' files over unrendered. */
  readonly rendersCluster?: (cluster: string) => boolean;
  /**
   * Of the clusters rendered, those where only some placed apps' workloads (R2) are: cluster ->
   * those apps' ids. An incremental compile keeps the cluster's other files (see render-inputs.ts).
   */
  readonly workloadsOnly?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** A cluster as renderClusters renders it (only the workloads RenderOptions.workloadsOnly names, for a cluster it names). */
export interface ClusterRendering extends RenderedCluster {
  /** Each app placed here and rendered, by id -> its workloads' objects (R2), which `manifests` lists too. */
  readonly workloads: ReadonlyMap<string, readonly Manifest[]>;
}

/**
 * Phase 5: one cdk8s App and Chart per cluster (so cdk8s work stays linear in the fleet's size),
 * rendered to plain JSON with toJson(); nothing is written to disk here. Which object goes to which
 * cluster follows docs/traffic.md (R1–R11); a cluster that holds nothing gets no folder.
 */
export function render(fleet: ResolvedFleet, topology: Topology, fileOf: (specObject: object) => string, options?: RenderOptions): RenderedCluster[] {
  return [...renderClusters(fleet, topology, fileOf, options)];
}

/**
 * render(), one cluster at a time: a caller that serializes each cluster before asking for the next
 * keeps only one cluster's objects alive, so they die young (a fleet's worth of JSON kept until the
 * end is copied by every minor garbage collection until promoted: a quarter of compile's time).
 */
export function* renderClusters(
  fleet: ResolvedFleet,
  topology: Topology,
  fileOf: (specObject: object) => string,
  { shareAcrossClusters = true, rendersCluster = () => true, workloadsOnly = new Map() }: RenderOptions = {},
): Generator<ClusterRendering> {
  const { graph } = topology;
  // Clusters that name no network are on every network (as in Istio): they do not make a fleet multi-network.
  const multiNetwork = new Set(fleet.clusters.map(networkOf).filter((n) => n !== '')).size > 1;
  const appSource = (app: App, field?: string): ManifestSource => ({ file: fileOf(app.spec), entry: `apps.${app.name}${field ? `.${field}` : ''}` });
  const clusterSource = (cluster: Cluster, field?: string): ManifestSource => ({ file: fileOf(cluster.spec), entry: `clusters.${cluster.name}${field ? `.${field}` : ''}` });
  // PeerAuthentications come from `mesh:` when the spec has it, else from their namespace's first app, as the Namespace does.
  const meshSource: ManifestSource | undefined = fleet.mesh.spec && { file: fileOf(fleet.mesh.spec), entry: 'mesh' };
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
  // Outside the mesh the default scrape ports (the sidecar's) name nothing: only ports the spec writes are opened there.
  const platformOutsideMesh = fleet.platform.spec?.monitoring?.ports ? fleet.platform : { ...fleet.platform, monitoring: { ...fleet.platform.monitoring, ports: [] } };
  const labelsOfFleet = fleetLabels(fleet.name);
  const orderKeys = new WeakMap<KubeObject, string>();
  for (const cluster of fleet.clusters) {
    const contents = topology.contentsOf(cluster.name);
    if (!contents || !rendersCluster(cluster.name)) continue;
    const own = new ClusterObjects(cluster.name);
    const sharedHere: Manifest[] = [];
    const share = <A extends unknown[]>(make: (scope: Construct, ...args: A) => void, ...args: Arguments<A>) => sharedHere.push(...shared.of(make, ...args));

    // R2: workloads where placed, as placement decided them (see renderWorkloads).
    const workloads = new Map<string, readonly Manifest[]>();
    const only = workloadsOnly.get(cluster.name);
    for (const app of contents.placed) {
      if (only && !only.has(app.id)) continue;
      const made = renderWorkloads(shared, fleet.name, app, topology.workloadOf(app.id, cluster.name), appSource);
      workloads.set(app.id, made);
      sharedHere.push(...made);
    }
    if (only) {
      yield { cluster: cluster.name, manifests: inApplyOrder(sharedHere, orderKeys), workloads };
      continue;
    }
    const present = [...new Map([...contents.placed, ...contents.destinations].map((app) => [app.id, app])).values()].sort((a, b) => (a.id < b.id ? -1 : 1));

    // R1: the namespaces of everything here, each from the first app (by id) in it, each with its
    // PeerAuthentication (mesh.mtls).
    const namespaces = new Map<string, App>();
    for (const app of present) if (!namespaces.has(app.namespace)) namespaces.set(app.namespace, app);
    // A cluster outside the mesh (`mesh: none`) gets no Istio object and no injection label: plain Kubernetes.
    const istio = cluster.mesh === 'istio';
    // A relayed app's DestinationRule (R5) needs its namespace here: after the others', each from its first relayed app (by id).
    const relays = istio ? contents.relays : [];
    for (const app of relays) if (!namespaces.has(app.namespace)) namespaces.set(app.namespace, app);
    for (const [namespace, app] of namespaces) {
      share(renderNamespace, namespace, istio ? byValue({ network: cluster.network, revision: fleet.mesh.revision }) : undefined, byValue(appSource(app, 'namespace')));
      if (istio) share(renderPeerAuthentication, namespace, fleet.mesh.mtls, labelsOfFleet, byValue(meshSource ?? appSource(app, 'namespace')));
    }

    // R3: the Service wherever the app runs or is called from, identical everywhere.
    for (const app of present) share(renderService, app, fleet.name, byValue(appSource(app)));

    // R4, R5: client-side Istio config where the callers run. R6: ingress where the gateway runs. R7: authorization where the destination runs.
    // R5: the DestinationRule wherever a called app runs or is called from, and where this cluster's east-west gateway relays its callers (relays).
    // R4–R7 only where Istio runs.
    if (istio) {
      for (const app of [...present, ...relays]) {
        if (topology.callersOf(app.id).length === 0) continue;
        share(renderDestinationRule, app, graph.policies.get(app.id)!, topology.placed(app.id), labelsOf(app), byValue(rulesSource(topology.callersOf(app.id))));
      }
      for (const app of contents.meshDestinations) {
        share(renderMeshVirtualService, app, topology.meshCallersOf(app.id), topology.apps, labelsOf(app), byValue(rulesSource(topology.meshCallersOf(app.id))));
      }
      for (const gateway of contents.gateways) {
        const edges = topology.ingressThrough(gateway.name);
        share(renderGateway, gateway, labelsOfFleet, byValue({ file: fileOf(gateway.spec), entry: `gateways.${gateway.name}` }));
        share(renderGatewayVirtualService, gateway, edges[0], topology.apps.get(edges[0].to)!, labelsOfFleet, byValue(rulesSource(edges)));
      }
      for (const app of contents.placed) {
        if (topology.callersOf(app.id).length > 0) share(renderAuthorizationPolicy, app, topology, labelsOf(app), byValue(rulesSource(topology.callersOf(app.id))));
        // Ports no rule lets anyone call: closed at L7 too, not only by Calico's default deny at L4.
        else if (app.ports.length > 0) share(renderAllowNothingPolicy, app, labelsOf(app), byValue(appSource(app, 'ports')));
      }
    }

    // R8–R11 with `networkPolicy: kubernetes`: the same allow-lists as networking.k8s.io/v1 NetworkPolicies.
    if (cluster.networkPolicy === 'kubernetes') {
      renderKubernetesPolicies(own.scope, cluster, [...namespaces.keys()], contents.placed, topology, istio ? fleet.platform : platformOutsideMesh, labelsOf, labelsOfFleet, clusterSource(cluster), rulesSource);
      own.flush();
    }
    if (cluster.networkPolicy !== 'calico') {
      yield { cluster: cluster.name, manifests: inApplyOrder([...own.manifests(), ...sharedHere], orderKeys), workloads };
      continue;
    }
    // R8–R11: Calico default deny and platform baseline, then each app's allow-lists, then the network sets they name.
    renderCalicoBaseline(own.scope, cluster, multiNetwork && istio, istio ? fleet.platform : platformOutsideMesh, labelsOfFleet, clusterSource(cluster));
    const needed: NetworkSetsNeeded = { pods: new Set(), eastWestGateways: new Set() };
    for (const app of contents.placed) {
      const into = topology.callersOf(app.id);
      const outOf = topology.calledBy(app.id);
      if (into.length > 0) renderIngressPolicy(own.scope, app, cluster.name, topology, needed, labelsOf(app), rulesSource(into));
      if (outOf.length > 0) renderEgressPolicy(own.scope, app, cluster.name, topology, needed, labelsOf(app), rulesSource(outOf));
      own.flush();
    }
    for (const set of networkSetsNamed(needed, topology)) {
      const source = clusterSource(set.of, set.kind === 'pods' ? 'podCIDRs' : 'eastWestGateway');
      share(renderNetworkSet, set.kind, set.of, set.kind === 'eastwest' ? set.network : undefined, labelsOfFleet, byValue(source));
    }

    yield { cluster: cluster.name, manifests: inApplyOrder([...own.manifests(), ...sharedHere], orderKeys), workloads };
  }
}

/**
 * R2: an app's workloads where it is placed, as placement decided them there: its ServiceAccount,
 * Deployments (or StatefulSet and its headless Service), disruption budget and autoscalers. They
 * read the app's WORKLOAD_ONLY fields (render-inputs.ts) and its decided workload, and nothing
 * else in a cluster does.
 */
function renderWorkloads(shared: SharedObjects, fleetName: string, app: App, workload: ClusterWorkload, appSource: (app: App, field?: string) => ManifestSource): Manifest[] {
  const made: Manifest[] = [];
  const share = <A extends unknown[]>(make: (scope: Construct, ...args: A) => void, ...args: Arguments<A>) => made.push(...shared.of(make, ...args));
  share(renderServiceAccount, app, fleetName, byValue(workload.labels), byValue(appSource(app)));
  share(renderDeployments, app, fleetName, byValue(workload), byValue(appSource(app)));
  // A stateful app's headless Service, disruption budget and autoscalers: where it runs, as placement decided them here.
  if (app.stateful) share(renderHeadlessService, app, fleetName, byValue(appSource(app, 'stateful')));
  const labelsHere = appLabels(app, fleetName, workload.labels);
  if (workload.disruptionBudget) share(renderDisruptionBudget, app, byValue(labelsHere), byValue(workload.disruptionBudget), byValue(appSource(app, 'disruption')));
  if (workload.autoscaling) share(renderAutoscalers, app, byValue(labelsHere), byValue(workload.deployments), byValue(appSource(app, 'autoscaling')));
  return made;
}

/** A chart in an App of its own; objects name themselves, so no name hashes. */
function emptyChart(name: string): Chart {
  return new Chart(new Cdk8sApp(), name, { disableResourceNameHashes: true });
}

/**
 * The chart a cluster's own objects are made in, emptied after each app: what was made is turned
 * into JSON at once and its constructs die young, where keeping every construct of the cluster
 * until the end would have the garbage collector copy them all, again and again.
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
 * Objects made once for every cluster where they come out alike, memoised on everything they are
 * made from: `of(make, ...args)` calls `make(scope, ...args)` the first time it sees `make` with
 * those arguments, and every cluster that asks again lists the very same manifests (which emit then
 * serializes once). An argument is the same when it is the same object (the fleet's entities, the
 * topology's lists: immutable), or, wrapped in byValue, when it is equal as JSON (what is made per
 * cluster, such as a decided workload). So no key is written by hand and none can leave out an
 * input: a new argument is part of the key by being an argument. `make` is a module-level function
 * of its arguments (the phases hold no state), never a closure. At fleet scale four in five objects
 * are such copies: an app's Service, DestinationRule and routes are the same wherever they go, and
 * most apps run alike in most clusters.
 */
class SharedObjects {
  private readonly chart = emptyChart('shared');
  private readonly made = new Map<string, readonly Manifest[]>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;

  /** `enabled` false: every `of` makes its objects afresh (tests compare the two). */
  constructor(private readonly enabled: boolean) {}

  of<A extends unknown[]>(make: (scope: Construct, ...args: A) => void, ...args: Arguments<A>): readonly Manifest[] {
    const values = args.map((a) => (a instanceof ByValue ? a.value : a)) as A;
    const key = `${this.keyOf(make)}(${args.map((a) => this.keyOf(a)).join(',')})`;
    if (!this.enabled) {
      const scope = new Construct(emptyChart('shared'), 'made');
      make(scope, ...values);
      return manifestsOf(scope);
    }
    let manifests = this.made.get(key);
    if (!manifests) {
      const scope = new Construct(this.chart, key);
      make(scope, ...values);
      manifests = manifestsOf(scope);
      this.chart.node.tryRemoveChild(scope.node.id); // only the JSON is kept: the constructs die young
      this.made.set(key, manifests);
    }
    return manifests;
  }

  private keyOf(arg: unknown): string {
    if (arg instanceof ByValue) return `=${JSON.stringify(arg.value)}`;
    if (arg === null || (typeof arg !== 'object' && typeof arg !== 'function')) return `${typeof arg}:${String(arg)}`;
    let id = this.ids.get(arg);
    if (id === undefined) this.ids.set(arg, (id = this.nextId++));
    return `#${id}`;
  }
}

/** An argument of SharedObjects.of compared by value (as JSON) rather than by identity. */
class ByValue<T> {
  constructor(readonly value: T) {}
}

function byValue<T>(value: T): ByValue<T> {
  return new ByValue(value);
}

/** A renderer's arguments as SharedObjects.of takes them: each as it is, or byValue. */
type Arguments<A extends unknown[]> = { [I in keyof A]: A[I] | ByValue<A[I]> };

/**
 * Apply order: what others depend on first (namespaces, identities, services), then by namespace and
 * name. Disruption budgets and autoscalers follow the workloads they protect and scale (an
 * autoscaler whose target does not exist yet only reports FailedGetScale until it does). DestinationRules come before the VirtualServices that name their subsets ("make before
 * break": a route to a subset its DestinationRule does not define yet fails with 503), and the
 * Calico Tier before the policies in it. An app's own manifests (`apps[].manifests`): the
 * ConfigMaps, Secrets and claims its pods read before the workloads (a pod whose `envFrom` or
 * volume names a missing one waits in CreateContainerConfigError until it exists), Jobs and
 * CronJobs after them, kinds fleet does not know after everything it renders. Kubernetes'
 * NetworkPolicy (`networkPolicy: kubernetes`) sorts with Calico's by apiVersion. kustomization.yaml
 * keeps this order (`sortOptions: fifo`).
 */
export const KIND_ORDER = [
  'Namespace',
  'ServiceAccount',
  'ConfigMap',
  'Secret',
  'PersistentVolumeClaim',
  'Service',
  'Deployment',
  'StatefulSet',
  'Job',
  'CronJob',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'DestinationRule',
  'Gateway',
  'VirtualService',
  'PeerAuthentication',
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

/**
 * Manifests in apply order: by kind (KIND_ORDER, then the rest), kind, apiVersion, namespace and
 * name. `keys` keeps the sort keys of objects listed in many clusters across calls.
 */
export function inApplyOrder(manifests: readonly Manifest[], keys = new WeakMap<KubeObject, string>()): Manifest[] {
  // Each manifest's key made once (a cluster sorts a thousand of them), not twice per comparison.
  const keyOf = (object: KubeObject) => keys.get(object) ?? keys.set(object, applyOrderKey(object)).get(object)!;
  const keyed = manifests.map((manifest) => ({ manifest, key: keyOf(manifest.object) }));
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
