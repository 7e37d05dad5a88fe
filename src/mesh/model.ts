import type { ResolvedFleet } from '../model/fleet.js';
import type { KubeObject, RenderedCluster } from '../model/manifest.js';
import type { TrafficGraph } from '../model/traffic.js';
import { inPlatformStage, PLATFORM_DIR } from '../phases/6-emit/index.js';
import { DEFAULTS } from '../phases/3-resolve/index.js';
import { type Cidr, CidrMemo } from './cidr.js';
import { type Labels, SelectorMemo } from './calico-selector.js';

/**
 * The mesh model: what the clusters will hold once Flux has applied fleet's output, read back from
 * the rendered manifests (never from the spec), plus the facts about each cluster that no manifest
 * states (its Istio network, pod CIDRs, east-west gateway, region: platform install-time settings).
 * Every rule that interprets these objects lives in its own module (calico.ts, istio-routing.ts,
 * istio-security.ts, flux-order.ts) and cites the upstream behaviour it encodes (docs/mesh-model.md).
 */

/** What a cluster is, beyond its manifests. */
export interface MeshClusterFacts {
  readonly name: string;
  /** Istio network (`topology.istio.io/network` of istio-system); '' when none is set. */
  readonly network: string;
  readonly region?: string;
  readonly zone?: string;
  readonly podCIDRs: readonly string[];
  /** The east-west gateway Service's addresses and mTLS port (Istio's `cross-network-gateway`, 15443). */
  readonly eastWestGateway?: { readonly addresses: readonly string[]; readonly port: number };
}

/** An ingress gateway's pods (the platform's): their labels and identity. */
export interface IngressGatewayFacts {
  readonly name: string;
  readonly namespace: string;
  readonly selector: Labels;
  readonly serviceAccount: string;
}

export interface MeshFacts {
  readonly clusters: readonly MeshClusterFacts[];
  readonly ingressGateways: readonly IngressGatewayFacts[];
  /** The SPIFFE trust domain of the mesh (one root CA across clusters). */
  readonly trustDomain: string;
  /** With `flux:`: the repository path of the output folder (Kustomization paths are `<path>/<folder>`). */
  readonly fluxPath?: string;
}

/** The facts of a resolved fleet. */
export function meshFactsOf(fleet: ResolvedFleet, graph?: TrafficGraph): MeshFacts {
  return {
    clusters: fleet.clusters.map((c) => ({
      name: c.name,
      network: c.network ?? '',
      region: c.region,
      zone: c.zone,
      podCIDRs: c.podCIDRs,
      eastWestGateway: c.eastWestGateway,
    })),
    ingressGateways: (graph?.gateways ?? []).map((g) => ({ name: g.name, namespace: g.namespace, selector: g.selector, serviceAccount: g.serviceAccount })),
    trustDomain: DEFAULTS.trustDomain,
    fluxPath: fleet.flux?.path,
  };
}

/** A pod template of a Deployment or StatefulSet in one cluster: the endpoints it makes. */
export interface Workload {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
  readonly labels: Labels;
  readonly serviceAccount: string;
  /** Container ports by name. */
  readonly ports: ReadonlyMap<string, { readonly port: number; readonly protocol: string }>;
  readonly annotations: Labels;
}

export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort: number | string;
  readonly protocol: string;
  readonly appProtocol?: string;
}

export interface Service {
  readonly namespace: string;
  readonly name: string;
  readonly host: string;
  readonly selector?: Labels;
  readonly ports: readonly ServicePort[];
}

export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface VirtualService extends ObjectRef {
  readonly hosts: readonly string[];
  /** `mesh` when unset (Istio's default). */
  readonly gateways: readonly string[];
  readonly http: readonly Record<string, unknown>[];
  readonly tcp: readonly Record<string, unknown>[];
}

export interface DestinationRule extends ObjectRef {
  readonly host: string;
  readonly subsets: ReadonlyMap<string, { readonly labels: Labels; readonly tlsMode?: string }>;
  readonly tlsMode?: string;
  readonly outlierDetection: boolean;
  /** `localityLbSetting.enabled`; undefined: the mesh default (enabled). */
  readonly localityEnabled?: boolean;
  readonly failover: readonly { readonly from: string; readonly to: string }[];
}

export interface AuthorizationPolicy extends ObjectRef {
  readonly namespace: string;
  readonly selector?: Labels;
  readonly action: string;
  readonly rules: readonly Record<string, unknown>[];
}

export interface PeerAuthentication extends ObjectRef {
  readonly namespace: string;
  readonly selector?: Labels;
  readonly mode?: string;
}

export interface CalicoEntity {
  readonly nets?: readonly (Cidr | undefined)[];
  readonly notNets?: readonly (Cidr | undefined)[];
  readonly selector?: string;
  readonly notSelector?: string;
  readonly namespaceSelector?: string;
  readonly serviceAccounts?: { readonly names?: readonly string[]; readonly selector?: string };
  readonly ports?: readonly (number | string)[];
  readonly notPorts?: readonly (number | string)[];
}

export interface CalicoRule {
  readonly action: string;
  readonly protocol?: string | number;
  readonly notProtocol?: string | number;
  readonly source: CalicoEntity;
  readonly destination: CalicoEntity;
  /** fleet's `fleet.io/traffic-rule` annotation: the traffic rule the rule was made for. */
  readonly trafficRule?: string;
}

export interface CalicoPolicy extends ObjectRef {
  readonly kind: 'GlobalNetworkPolicy' | 'NetworkPolicy';
  readonly tier: string;
  readonly order?: number;
  readonly selector: string;
  readonly namespaceSelector?: string;
  readonly types: ReadonlySet<'Ingress' | 'Egress'>;
  readonly ingress: readonly CalicoRule[];
  readonly egress: readonly CalicoRule[];
}

export interface CalicoTier {
  readonly name: string;
  readonly order?: number;
  readonly defaultAction: string;
}

export interface NetworkSet extends ObjectRef {
  readonly labels: Labels;
  readonly nets: readonly Cidr[];
}

/** A Flux Kustomization (kustomize.toolkit.fluxcd.io) fleet rendered, and the folder it applies. */
export interface FluxKustomization extends ObjectRef {
  readonly namespace: string;
  /** The output folder it applies (`out/<folder>`), when it is one of fleet's. */
  readonly folder?: string;
  readonly dependsOn: readonly { readonly name: string; readonly namespace: string }[];
}

/** An object as the apply-order model needs it. */
export interface AppliedObject extends ObjectRef {
  readonly apiVersion: string;
  readonly group: string;
  /** Calico policies: the tier they name. */
  readonly tier?: string;
}

/**
 * The memo tables of one model that span its clusters: the parsed ranges and selectors, and the
 * tables of the rule modules (ids they hand out, objects they share across clusters). The builder
 * makes one and hands it to every ClusterView and to the MeshModel, so it lives exactly as long as
 * the model, and no two models share one: ids mean something only within their model. Tables of
 * one cluster stay on its view (ClusterView.memoised). A module keeps no table of its own but weak
 * ones keyed by the model's objects.
 *
 * Two lifetimes. `memoised` tables are about the model's own objects (an index of a cluster's
 * policies, the ids of packet classes): they are bounded by the model's size and kept as long as
 * it. `scratch` tables are about calls (verdicts by peer, the layouts and traces of calls): they
 * grow with every call asked about, so a caller that asks about many (the check, at fleet scale)
 * drops them now and then with forget(), and they are made again when next asked for. Nothing
 * that a scratch table holds may be kept across a forget() where its identity matters.
 */
export class ModelMemo {
  readonly cidrs = new CidrMemo();
  readonly selectors = new SelectorMemo();
  private readonly tables = new Map<string, unknown>();
  private readonly scratchTables: Map<string, unknown>[] = [];
  private readonly ownScratch = this.scratchTable();

  memoised<T>(key: string, make: () => T): T {
    return memoisedIn(this.tables, key, make);
  }

  scratch<T>(key: string, make: () => T): T {
    return memoisedIn(this.ownScratch, key, make);
  }

  /** A table forget() empties (each ClusterView's scratch tables). */
  scratchTable(): Map<string, unknown> {
    const table = new Map<string, unknown>();
    this.scratchTables.push(table);
    return table;
  }

  /** Drops every scratch table of the model and of its views. */
  forget(): void {
    for (const table of this.scratchTables) table.clear();
  }
}

function memoisedIn<T>(table: Map<string, unknown>, key: string, make: () => T): T {
  let value = table.get(key) as T | undefined;
  if (value === undefined && !table.has(key)) table.set(key, (value = make()));
  return value as T;
}

/** Everything one cluster will hold. */
export class ClusterView {
  readonly namespaces = new Map<string, Labels>();
  readonly workloads: Workload[] = [];
  readonly services = new Map<string, Service>();
  readonly virtualServices: VirtualService[] = [];
  readonly destinationRules: DestinationRule[] = [];
  readonly authorizationPolicies: AuthorizationPolicy[] = [];
  readonly peerAuthentications: PeerAuthentication[] = [];
  readonly istioGateways: (ObjectRef & { readonly namespace: string })[] = [];
  readonly tiers = new Map<string, CalicoTier>();
  readonly calicoPolicies: CalicoPolicy[] = [];
  readonly networkSets: NetworkSet[] = [];
  /** Output folders of this cluster, each with its objects (emit's order). */
  readonly folders = new Map<string, AppliedObject[]>();
  readonly kustomizations: FluxKustomization[] = [];
  /** Memo tables of the rule modules for this cluster (keyed by their own keys), kept as long as the model. */
  readonly memo = new Map<string, unknown>();
  /** Its scratch tables (see ModelMemo): the model's forget() empties them. */
  private readonly scratchTables: Map<string, unknown>;

  /** `modelMemo`: the tables of the model the view belongs to (a view made alone has its own). */
  constructor(
    readonly facts: MeshClusterFacts,
    readonly modelMemo: ModelMemo = new ModelMemo(),
  ) {
    this.scratchTables = modelMemo.scratchTable();
  }

  get name(): string {
    return this.facts.name;
  }

  workloadsIn(namespace: string): Workload[] {
    const byNamespace = this.memoised('workloads by namespace', () => {
      const index = new Map<string, Workload[]>();
      for (const w of this.workloads) {
        const list = index.get(w.namespace);
        if (list) list.push(w);
        else index.set(w.namespace, [w]);
      }
      return index;
    });
    return byNamespace.get(namespace) ?? [];
  }

  memoised<T>(key: string, make: () => T): T {
    return memoisedIn(this.memo, key, make);
  }

  /** A table about calls in this cluster, until the model's forget() (see ModelMemo). */
  scratch<T>(key: string, make: () => T): T {
    return memoisedIn(this.scratchTables, key, make);
  }
}

/** The model of the whole fleet. */
export class MeshModel {
  readonly clusters: ReadonlyMap<string, ClusterView>;
  /** Service host -> clusters that hold the Service (sorted by name). */
  readonly serviceClusters = new Map<string, string[]>();
  /** The memo tables its clusters share (MeshModelBuilder gives them one). */
  readonly modelMemo: ModelMemo;

  constructor(
    readonly facts: MeshFacts,
    clusters: readonly ClusterView[],
  ) {
    const memos = new Set(clusters.map((c) => c.modelMemo));
    // Ids and shared objects of two memos would be mixed up in one model.
    if (memos.size > 1) throw new Error('mesh model: its clusters must share one ModelMemo');
    this.modelMemo = [...memos][0] ?? new ModelMemo();
    this.clusters = new Map([...clusters].sort((a, b) => cmp(a.name, b.name)).map((c) => [c.name, c]));
    for (const view of this.clusters.values()) {
      for (const service of view.services.values()) {
        const list = this.serviceClusters.get(service.host) ?? [];
        list.push(view.name);
        this.serviceClusters.set(service.host, list);
      }
    }
  }

  cluster(name: string): ClusterView {
    const view = this.clusters.get(name);
    if (!view) throw new Error(`mesh model: no cluster ${name}`);
    return view;
  }

  /** East-west gateways (clusters that run one) of a network; none for clusters without a network. */
  gatewaysOf(network: string): readonly ClusterView[] {
    if (network === '') return [];
    const byNetwork = this.memo('gateways by network', () => new Map<string, ClusterView[]>());
    let gateways = byNetwork.get(network);
    if (!gateways) byNetwork.set(network, (gateways = [...this.clusters.values()].filter((c) => c.facts.network === network && c.facts.eastWestGateway)));
    return gateways;
  }

  /** Whether any network has an east-west gateway: Istio's multi-network mode (NetworkGateways.IsMultiNetworkEnabled). */
  get multiNetwork(): boolean {
    return this.memo('multi-network', () => [...this.clusters.values()].some((c) => c.facts.network !== '' && c.facts.eastWestGateway !== undefined));
  }

  memo<T>(key: string, make: () => T): T {
    return this.modelMemo.memoised(key, make);
  }

  /** A table about calls, until forget() (see ModelMemo). */
  scratch<T>(key: string, make: () => T): T {
    return this.modelMemo.scratch(key, make);
  }

  /** Drops every table about calls (see ModelMemo): what is asked next is worked out again. */
  forget(): void {
    this.modelMemo.forget();
  }
}

/**
 * Builds the model one rendered folder at a time (compile renders and forgets each cluster in
 * turn): each object is read into the compact form the rules need. Objects listed in many
 * clusters (fleet shares them) are read once.
 */
export class MeshModelBuilder {
  private readonly views = new Map<string, ClusterView>();
  private readonly modelMemo = new ModelMemo();
  /** Equal rules and entities are one object within the model (never across models: each builder interns its own). */
  private readonly interner = new Interner(this.modelMemo.cidrs);
  private readonly folderOwner = new Map<string, string>();
  private readonly pendingFolders = new Map<string, AppliedObject[]>();
  private readonly read = new WeakMap<KubeObject, Reader>();
  /** One AppliedObject per rendered object (fleet lists many objects in many clusters' folders). */
  private readonly applied = new WeakMap<KubeObject, AppliedObject>();

  constructor(readonly facts: MeshFacts) {
    for (const c of facts.clusters) this.views.set(c.name, new ClusterView(c, this.modelMemo));
  }

  /** A rendered folder: a cluster's (`<cluster>`, or any folder a Kustomization of `_flux/<cluster>` applies) or Flux entrypoints (`_flux/<cluster>`). */
  add(rendered: RenderedCluster): void {
    const flux = /^_flux\/(.+)$/.exec(rendered.cluster);
    if (flux) {
      const view = this.views.get(flux[1]);
      if (!view) return;
      for (const { object } of rendered.manifests) {
        if (object.kind !== 'Kustomization' || !object.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')) continue;
        const kustomization = readKustomization(object, this.facts.fluxPath);
        view.kustomizations.push(kustomization);
        if (kustomization.folder) this.own(kustomization.folder, view);
      }
      return;
    }
    // emit writes some objects into a sub-folder of their own, applied by a Kustomization of its own (the platform stage).
    const byFolder = new Map<string, KubeObject[]>();
    for (const { object } of rendered.manifests) {
      const folder = inPlatformStage(object) ? `${rendered.cluster}/${PLATFORM_DIR}` : rendered.cluster;
      const list = byFolder.get(folder) ?? [];
      list.push(object);
      byFolder.set(folder, list);
    }
    for (const [folder, objects] of byFolder) {
      const applied = objects.map((object) => this.appliedOf(object));
      const owner = this.ownerOf(folder);
      if (!owner) {
        this.pendingFolders.set(folder, applied);
        this.pendingObjects.set(folder, objects);
      } else this.fill(owner, folder, objects, applied);
    }
  }

  /** The model; folders that no cluster owns are ignored. */
  build(): MeshModel {
    return new MeshModel(this.facts, [...this.views.values()]);
  }

  private pendingObjects = new Map<string, KubeObject[]>();

  private appliedOf(object: KubeObject): AppliedObject {
    let applied = this.applied.get(object);
    if (!applied) this.applied.set(object, (applied = appliedObject(object)));
    return applied;
  }

  private ownerOf(folder: string): ClusterView | undefined {
    const named = this.folderOwner.get(folder) ?? (this.views.has(folder) ? folder : undefined) ?? [...this.views.keys()].find((c) => folder.startsWith(`${c}/`));
    return named === undefined ? undefined : this.views.get(named);
  }

  private own(folder: string, view: ClusterView): void {
    this.folderOwner.set(folder, view.name);
    const pending = this.pendingFolders.get(folder);
    if (pending) {
      this.pendingFolders.delete(folder);
      this.fill(view, folder, this.pendingObjects.get(folder) ?? [], pending);
      this.pendingObjects.delete(folder);
    }
  }

  private fill(view: ClusterView, folder: string, objects: readonly KubeObject[], applied: AppliedObject[]): void {
    view.folders.set(folder, applied);
    for (const object of objects) {
      let reader = this.read.get(object);
      if (!reader) this.read.set(object, (reader = readerOf(object, this.interner)));
      reader(view);
    }
  }
}

type Reader = (view: ClusterView) => void;

/** What an object adds to a cluster's view; made once per object. */
function readerOf(object: KubeObject, interner: Interner): Reader {
  const spec = (object.spec ?? {}) as Record<string, any>;
  const meta = object.metadata as Record<string, any>;
  const namespace = object.metadata.namespace;
  const name = object.metadata.name;
  const group = groupOf(object.apiVersion);
  switch (`${group}/${object.kind}`) {
    case '/Namespace': {
      const labels = { ...(meta.labels ?? {}) };
      return (view) => view.namespaces.set(name, labels);
    }
    case 'apps/Deployment':
    case 'apps/StatefulSet': {
      const template = spec.template ?? {};
      const containers: any[] = template.spec?.containers ?? [];
      const ports = new Map<string, { port: number; protocol: string }>();
      for (const c of containers) for (const p of c.ports ?? []) if (p.name) ports.set(p.name, { port: p.containerPort, protocol: p.protocol ?? 'TCP' });
      const base = {
        namespace: namespace ?? 'default',
        name,
        replicas: typeof spec.replicas === 'number' ? spec.replicas : 1,
        labels: { ...(template.metadata?.labels ?? {}) },
        serviceAccount: template.spec?.serviceAccountName ?? 'default',
        ports,
        annotations: { ...(template.metadata?.annotations ?? {}) },
      };
      return (view) => view.workloads.push({ cluster: view.name, ...base });
    }
    case '/Service': {
      const service: Service = {
        namespace: namespace ?? 'default',
        name,
        host: `${name}.${namespace ?? 'default'}.svc.cluster.local`,
        selector: spec.selector,
        ports: (spec.ports ?? []).map((p: any) => ({ name: p.name, port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? 'TCP', appProtocol: p.appProtocol })),
      };
      return (view) => view.services.set(`${service.namespace}/${service.name}`, service);
    }
    case 'networking.istio.io/VirtualService': {
      const vs: VirtualService = { kind: 'VirtualService', namespace, name, hosts: spec.hosts ?? [], gateways: spec.gateways ?? ['mesh'], http: spec.http ?? [], tcp: spec.tcp ?? [] };
      return (view) => view.virtualServices.push(vs);
    }
    case 'networking.istio.io/DestinationRule': {
      const policy = spec.trafficPolicy ?? {};
      const locality = policy.loadBalancer?.localityLbSetting;
      const dr: DestinationRule = {
        kind: 'DestinationRule',
        namespace,
        name,
        host: spec.host,
        subsets: new Map((spec.subsets ?? []).map((s: any) => [s.name, { labels: s.labels ?? {}, tlsMode: s.trafficPolicy?.tls?.mode }])),
        tlsMode: policy.tls?.mode,
        outlierDetection: policy.outlierDetection !== undefined,
        localityEnabled: locality?.enabled,
        failover: locality?.failover ?? [],
      };
      return (view) => view.destinationRules.push(dr);
    }
    case 'networking.istio.io/Gateway':
      return (view) => view.istioGateways.push({ kind: 'Gateway', namespace: namespace ?? 'default', name });
    case 'security.istio.io/AuthorizationPolicy': {
      const ap: AuthorizationPolicy = { kind: 'AuthorizationPolicy', namespace: namespace ?? 'default', name, selector: spec.selector?.matchLabels, action: spec.action ?? 'ALLOW', rules: spec.rules ?? [] };
      return (view) => view.authorizationPolicies.push(ap);
    }
    case 'security.istio.io/PeerAuthentication': {
      const pa: PeerAuthentication = { kind: 'PeerAuthentication', namespace: namespace ?? 'default', name, selector: spec.selector?.matchLabels, mode: spec.mtls?.mode };
      return (view) => view.peerAuthentications.push(pa);
    }
    case 'projectcalico.org/Tier': {
      const tier: CalicoTier = { name, order: spec.order, defaultAction: spec.defaultAction ?? 'Deny' };
      return (view) => view.tiers.set(name, tier);
    }
    case 'projectcalico.org/GlobalNetworkPolicy':
    case 'projectcalico.org/NetworkPolicy': {
      const policy = readCalicoPolicy(object.kind as CalicoPolicy['kind'], namespace, name, spec, interner);
      return (view) => view.calicoPolicies.push(policy);
    }
    case 'projectcalico.org/GlobalNetworkSet': {
      const set: NetworkSet = {
        kind: 'GlobalNetworkSet',
        name,
        labels: { ...(meta.labels ?? {}) },
        nets: (spec.nets ?? []).map((net: string) => interner.cidrs.parse(net)).filter((c: Cidr | undefined): c is Cidr => c !== undefined),
      };
      return (view) => view.networkSets.push(set);
    }
    default:
      return () => {};
  }
}

/**
 * A Calico policy as the API server stores it: `tier` defaults to `default`; `types` defaults from
 * the rules present (ingress rules or none: Ingress; egress rules: Egress; both: both), as the
 * projectcalico.org/v3 NetworkPolicy reference documents for an omitted `types`.
 */
function readCalicoPolicy(kind: CalicoPolicy['kind'], namespace: string | undefined, name: string, spec: Record<string, any>, interner: Interner): CalicoPolicy {
  const ingress = (spec.ingress ?? []).map((rule: any) => interner.rule(rule));
  const egress = (spec.egress ?? []).map((rule: any) => interner.rule(rule));
  const declared: ('Ingress' | 'Egress')[] | undefined = spec.types;
  const types = interner.typeSet(declared ?? [...(ingress.length > 0 || egress.length === 0 ? ['Ingress' as const] : []), ...(egress.length > 0 ? ['Egress' as const] : [])]);
  return {
    kind,
    namespace: kind === 'NetworkPolicy' ? (namespace ?? 'default') : undefined,
    name,
    tier: spec.tier || 'default',
    order: spec.order,
    selector: spec.selector ?? 'all()',
    namespaceSelector: spec.namespaceSelector,
    types,
    ingress,
    egress,
  };
}

/** Interning tables: a map level per field (Map keys compare strings by value, objects by identity). */
type Interned = Map<unknown, unknown>;

/**
 * Equal Calico rules, entities and type lists are one object (interned), so what is worked out for
 * one holds for all: fleet renders the same rule in many clusters' policies and repeats a few peers
 * in many rules. One per builder: the tables die with it, and two models share no object.
 */
class Interner {
  private readonly entities: Interned = new Map();
  private readonly rules: Interned = new Map();
  private readonly typeSets = new Map<string, ReadonlySet<'Ingress' | 'Egress'>>();
  private readonly emptyEntity: CalicoEntity = {};

  constructor(readonly cidrs: CidrMemo) {}

  rule(rule: any): CalicoRule {
    const source = this.entity(rule.source);
    const destination = this.entity(rule.destination);
    const trafficRule = rule.metadata?.annotations?.['fleet.io/traffic-rule'];
    const byKey = interned(interned(interned(interned(interned(this.rules, source), destination), rule.action), rule.protocol), rule.notProtocol);
    let found = byKey.get(trafficRule) as CalicoRule | undefined;
    if (!found) byKey.set(trafficRule, (found = { action: rule.action, protocol: rule.protocol, notProtocol: rule.notProtocol, source, destination, trafficRule }));
    return found;
  }

  /** Equal in what makeEntity reads: the selectors as they are (one map level each: no long key to build), the lists as a short JSON key. */
  entity(entity: any): CalicoEntity {
    if (!entity) return this.emptyEntity;
    const byKey = interned(interned(interned(this.entities, entity.selector), entity.notSelector), entity.namespaceSelector);
    const key = entityListsKey(entity);
    let found = byKey.get(key) as CalicoEntity | undefined;
    if (!found) byKey.set(key, (found = this.makeEntity(entity)));
    return found;
  }

  /** One Set per list of types. */
  typeSet(types: readonly ('Ingress' | 'Egress')[]): ReadonlySet<'Ingress' | 'Egress'> {
    const key = JSON.stringify(types);
    let set = this.typeSets.get(key);
    if (!set) this.typeSets.set(key, (set = new Set(types)));
    return set;
  }

  private makeEntity(entity: any): CalicoEntity {
    return {
      nets: entity.nets?.map((net: string) => this.cidrs.parse(net)),
      notNets: entity.notNets?.map((net: string) => this.cidrs.parse(net)),
      selector: entity.selector,
      notSelector: entity.notSelector,
      namespaceSelector: entity.namespaceSelector,
      serviceAccounts: entity.serviceAccounts,
      ports: entity.ports,
      notPorts: entity.notPorts,
    };
  }
}

function interned(table: Interned, key: unknown): Interned {
  let next = table.get(key) as Interned | undefined;
  if (!next) table.set(key, (next = new Map()));
  return next;
}

/** An entity's lists as a key: its numeric ports alone (what fleet renders), else JSON where an absent list differs from every value. */
function entityListsKey(entity: any): string {
  const { nets, notNets, serviceAccounts, ports, notPorts } = entity;
  if (nets === undefined && notNets === undefined && serviceAccounts === undefined && notPorts === undefined) {
    if (ports === undefined) return '';
    if (Array.isArray(ports) && ports.every((p) => typeof p === 'number')) return `ports ${ports.join(',')}`;
  }
  return JSON.stringify([nets, notNets, serviceAccounts, ports, notPorts].map((v) => (v === undefined ? 0 : [v])));
}

function readKustomization(object: KubeObject, fluxPath: string | undefined): FluxKustomization {
  const spec = (object.spec ?? {}) as Record<string, any>;
  const namespace = object.metadata.namespace ?? 'flux-system';
  const path = String(spec.path ?? '').replace(/^\.\//, '');
  const prefix = fluxPath === undefined ? undefined : `${fluxPath.replace(/^\.\//, '').replace(/\/+$/, '')}/`;
  const folder = prefix !== undefined && path.startsWith(prefix) ? path.slice(prefix.length).replace(/\/+$/, '') : undefined;
  return {
    kind: 'Kustomization',
    namespace,
    name: object.metadata.name,
    folder,
    dependsOn: (spec.dependsOn ?? []).map((d: any) => ({ name: d.name, namespace: d.namespace ?? namespace })),
  };
}

function appliedObject(object: KubeObject): AppliedObject {
  const spec = (object.spec ?? {}) as Record<string, any>;
  const group = groupOf(object.apiVersion);
  const policy = group === 'projectcalico.org' && /NetworkPolicy$/.test(object.kind);
  return { kind: object.kind, apiVersion: object.apiVersion, group, namespace: object.metadata.namespace, name: object.metadata.name, tier: policy ? spec.tier || 'default' : undefined };
}

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Build the model of already rendered clusters (and `_flux/<cluster>` entrypoints) in one call. */
export function buildMeshModel(rendered: readonly RenderedCluster[], facts: MeshFacts): MeshModel {
  const builder = new MeshModelBuilder(facts);
  // Flux entrypoints first, so every folder's owner is known when it is read.
  for (const r of rendered.filter((r) => r.cluster.startsWith('_flux/'))) builder.add(r);
  for (const r of rendered.filter((r) => !r.cluster.startsWith('_flux/'))) builder.add(r);
  return builder.build();
}
