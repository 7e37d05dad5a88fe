/**
 * Which lists of a rendered object `fleet diff` matches entry by entry through an identity, and
 * whether their order means anything. A list not in the table is compared by position.
 *
 * Why: by position, a traffic rule whose Calico rule sorts first shifts every later rule by one, and
 * the diff reads as dozens of changed fields; draining a cluster reads as rules rewritten. Matched
 * by identity, a new rule is one added entry and a dropped one is one removed entry, which is what
 * a reviewer of network policy must see.
 */
export interface ListIdentity {
  /**
   * The entry's identity: entries with the same identity on both sides are the same entry, whose
   * fields are then compared. `undefined` when an entry has none; the whole list then falls back
   * to position (e.g. one Service port without a name).
   */
  readonly key: (entry: unknown) => string | undefined;
  /**
   * How a field path names the entry (`containers[name=web]`). Without it, entries are named by
   * their position on their own side (`egress[3]`): the identity is the whole content, which the
   * report shows anyway.
   */
  readonly label?: (entry: unknown) => string;
  /**
   * Whether the order of these entries changes behaviour; only then does a reorder show (a
   * `reorder` field change). Gets both sides' entries.
   */
  readonly ordered: (entries: readonly unknown[]) => boolean;
}

/** Objects as `Kind.group` (kubectl's spelling; core kinds without a group). */
type ObjectKind = string;

interface TableRow extends ListIdentity {
  readonly objects: readonly ObjectKind[];
  /** List paths in the object, entries written `[]`: `spec.template.spec.containers[].env`. */
  readonly lists: readonly string[];
  /** Where the identity and the ordering come from. */
  readonly source: string;
}

const always = () => true;
const never = () => false;

/** Identity `<field>=<value>`, named the same way in paths. */
function byField(field: string): Pick<ListIdentity, 'key' | 'label'> {
  const key = (entry: unknown) => {
    const value = fieldOf(entry, field);
    return typeof value === 'string' || typeof value === 'number' ? `${field}=${value}` : undefined;
  };
  return { key, label: (entry) => key(entry) ?? '?' };
}

/** Identity by the first of `fields` the entry has: Kubernetes ports are named, or keyed by number and protocol. */
function byFirstOf(...keys: readonly ((entry: unknown) => string | undefined)[]): Pick<ListIdentity, 'key' | 'label'> {
  const key = (entry: unknown) => keys.map((k) => k(entry)).find((k) => k !== undefined);
  return { key, label: (entry) => key(entry) ?? '?' };
}

/** `containerPort=9090/TCP`: Kubernetes' list-map keys for unnamed ports (protocol defaults to TCP). */
function portNumber(field: string): (entry: unknown) => string | undefined {
  return (entry) => {
    const port = fieldOf(entry, field);
    const protocol = fieldOf(entry, 'protocol') ?? 'TCP';
    return typeof port === 'number' ? `${field}=${port}/${String(protocol)}` : undefined;
  };
}

/** The whole entry is its identity; positions name it in paths. */
function byContent(strip: readonly string[] = []): Pick<ListIdentity, 'key'> {
  return { key: (entry) => canonical(isRecord(entry) ? Object.fromEntries(Object.entries(entry).filter(([k]) => !strip.includes(k))) : entry) };
}

const WORKLOADS: readonly [ObjectKind, string][] = [
  ['Deployment.apps', 'spec.template.spec'],
  ['StatefulSet.apps', 'spec.template.spec'],
  ['DaemonSet.apps', 'spec.template.spec'],
  ['ReplicaSet.apps', 'spec.template.spec'],
  ['Job.batch', 'spec.template.spec'],
  ['CronJob.batch', 'spec.jobTemplate.spec.template.spec'],
  ['Pod', 'spec'],
];

/** Every pod spec list `lists(podSpec)` names, for each workload kind. */
function inPodSpecs(lists: (podSpec: string) => readonly string[]): Pick<TableRow, 'objects' | 'lists'>[] {
  return WORKLOADS.map(([kind, podSpec]) => ({ objects: [kind], lists: lists(podSpec) }));
}

const containerLists = (podSpec: string) => [`${podSpec}.containers`, `${podSpec}.initContainers`, `${podSpec}.ephemeralContainers`];
const inContainers = (podSpec: string, list: string) => containerLists(podSpec).map((containers) => `${containers}[].${list}`);

const CALICO_POLICIES = ['NetworkPolicy.projectcalico.org', 'GlobalNetworkPolicy.projectcalico.org', 'StagedNetworkPolicy.projectcalico.org', 'StagedGlobalNetworkPolicy.projectcalico.org'];

const ROWS: readonly TableRow[] = [
  // Calico: "ingress/egress: Ordered list of ingress/egress rules applied by policy" (projectcalico.org/v3
  // NetworkPolicy reference). The first rule that matches with Allow, Deny or Pass decides, so order
  // matters only when a list mixes actions; fleet's app policies are all Allow. A rule's `metadata`
  // (annotations such as `fleet.io/traffic-rule`) never affects matching, so it is no part of the
  // identity: a renamed traffic rule is a changed annotation, while any change to what a rule
  // matches (peer, ports, protocol, action) is that rule removed and another added.
  {
    objects: CALICO_POLICIES,
    lists: ['spec.ingress', 'spec.egress'],
    ...byContent(['metadata']),
    ordered: (rules) => new Set(rules.map((r) => fieldOf(r, 'action'))).size > 1,
    source: 'docs.tigera.io/calico/latest/reference/resources/networkpolicy (Rule)',
  },
  { objects: ['GlobalNetworkSet.projectcalico.org', 'NetworkSet.projectcalico.org'], lists: ['spec.nets'], ...byContent(), ordered: never, source: 'a set of CIDRs' },
  // Istio: `http`, `tls` and `tcp` are "ordered list[s] of route rules ... The first rule matching an
  // incoming request is used" (istio/api networking/v1alpha3/virtual_service.proto). HTTPRoute has a
  // `name`; TCPRoute and TLSRoute have none, and are told apart by their `match`.
  { objects: ['VirtualService.networking.istio.io'], lists: ['spec.http'], ...byField('name'), ordered: always, source: 'istio VirtualService.http, HTTPRoute.name' },
  {
    objects: ['VirtualService.networking.istio.io'],
    lists: ['spec.tcp', 'spec.tls'],
    key: (route) => `match=${canonical(fieldOf(route, 'match') ?? [])}`,
    ordered: always,
    source: 'istio VirtualService.tcp/tls (no name field)',
  },
  // A route's destinations share its traffic by weight; their order means nothing.
  {
    objects: ['VirtualService.networking.istio.io'],
    lists: ['spec.http[].route', 'spec.tcp[].route', 'spec.tls[].route'],
    key: (entry) => {
      const d = fieldOf(entry, 'destination');
      return typeof fieldOf(d, 'host') === 'string' ? canonical([fieldOf(d, 'host'), fieldOf(d, 'subset') ?? null, fieldOf(fieldOf(d, 'port'), 'number') ?? null]) : undefined;
    },
    label: (entry) => {
      const d = fieldOf(entry, 'destination');
      const port = fieldOf(fieldOf(d, 'port'), 'number');
      return `${fieldOf(d, 'subset') !== undefined ? `subset=${fieldOf(d, 'subset')}` : `host=${fieldOf(d, 'host')}`}${port !== undefined ? `:${port}` : ''}`;
    },
    ordered: never,
    source: 'istio HTTPRouteDestination/RouteDestination weights',
  },
  { objects: ['VirtualService.networking.istio.io'], lists: ['spec.hosts', 'spec.gateways'], ...byContent(), ordered: never, source: 'sets of names' },
  { objects: ['DestinationRule.networking.istio.io'], lists: ['spec.subsets'], ...byField('name'), ordered: never, source: 'istio DestinationRule Subset.name' },
  {
    objects: ['DestinationRule.networking.istio.io'],
    lists: ['spec.trafficPolicy.portLevelSettings', 'spec.subsets[].trafficPolicy.portLevelSettings'],
    ...byFirstOf((e) => (typeof fieldOf(fieldOf(e, 'port'), 'number') === 'number' ? `port=${fieldOf(fieldOf(e, 'port'), 'number')}` : undefined)),
    ordered: never,
    source: 'istio TrafficPolicy.PortTrafficPolicy.port',
  },
  {
    objects: ['DestinationRule.networking.istio.io'],
    lists: ['spec.trafficPolicy.loadBalancer.localityLbSetting.failover'],
    ...byField('from'),
    ordered: never,
    source: 'istio LocalityLoadBalancerSetting.Failover.from',
  },
  // Istio Gateway: servers are told apart by their port's name (unique within a Gateway).
  {
    objects: ['Gateway.networking.istio.io'],
    lists: ['spec.servers'],
    ...byFirstOf((e) => (typeof fieldOf(fieldOf(e, 'port'), 'name') === 'string' ? `port.name=${fieldOf(fieldOf(e, 'port'), 'name')}` : undefined)),
    ordered: never,
    source: 'istio Gateway Server.port.name',
  },
  { objects: ['Gateway.networking.istio.io'], lists: ['spec.servers[].hosts'], ...byContent(), ordered: never, source: 'a set of hosts' },
  // Istio AuthorizationPolicy: "a match occurs when at least one rule matches the request", so
  // rules are a set; each is its whole content (any change to it is another rule).
  { objects: ['AuthorizationPolicy.security.istio.io'], lists: ['spec.rules'], ...byContent(), ordered: never, source: 'istio AuthorizationPolicy.rules' },
  // Kubernetes: the list-map keys of the API (`+listMapKey`): Service ports by port and protocol,
  // containers, volumes and env by name, volumeMounts by mountPath (one volume can be mounted at
  // several paths). Ports are shown by name when they have one.
  { objects: ['Service'], lists: ['spec.ports'], ...byFirstOf(byField('name').key, portNumber('port')), ordered: never, source: 'core/v1 ServiceSpec.ports' },
  ...inPodSpecs((podSpec) => [`${podSpec}.containers`, `${podSpec}.ephemeralContainers`]).map((row) => ({ ...row, ...byField('name'), ordered: never, source: 'core/v1 PodSpec.containers' })),
  // Init containers run one after the other, in order.
  ...inPodSpecs((podSpec) => [`${podSpec}.initContainers`]).map((row) => ({ ...row, ...byField('name'), ordered: always, source: 'core/v1 PodSpec.initContainers' })),
  ...inPodSpecs((podSpec) => [`${podSpec}.volumes`, `${podSpec}.imagePullSecrets`]).map((row) => ({ ...row, ...byField('name'), ordered: never, source: 'core/v1 PodSpec' })),
  ...inPodSpecs((podSpec) => inContainers(podSpec, 'ports')).map((row) => ({ ...row, ...byFirstOf(byField('name').key, portNumber('containerPort')), ordered: never, source: 'core/v1 Container.ports' })),
  // `$(VAR)` in a value expands only variables defined before it (core/v1 EnvVar.value), so env order
  // matters once a value refers to another.
  ...inPodSpecs((podSpec) => inContainers(podSpec, 'env')).map((row) => ({
    ...row,
    ...byField('name'),
    ordered: (env: readonly unknown[]) => env.some((e) => String(fieldOf(e, 'value') ?? '').includes('$(')),
    source: 'core/v1 EnvVar',
  })),
  ...inPodSpecs((podSpec) => inContainers(podSpec, 'volumeMounts')).map((row) => ({ ...row, ...byField('mountPath'), ordered: never, source: 'core/v1 VolumeMount.mountPath' })),
];

const TABLE: ReadonlyMap<string, ListIdentity> = new Map(ROWS.flatMap((row) => row.objects.flatMap((kind) => row.lists.map((list) => [`${kind}|${list}`, row] as const))));

/** `Deployment.apps`, `Service`, `NetworkPolicy.projectcalico.org`. */
export function kindOf(object: { apiVersion: string; kind: string }): ObjectKind {
  const group = object.apiVersion.includes('/') ? object.apiVersion.slice(0, object.apiVersion.indexOf('/')) : '';
  return group ? `${object.kind}.${group}` : object.kind;
}

/** The identity of the list at `list` (entries written `[]`) in objects of `kind`, if it has one. */
export function listIdentity(kind: ObjectKind, list: string): ListIdentity | undefined {
  return TABLE.get(`${kind}|${list}`);
}

/** The list paths the table knows, for tests and docs. */
export function identifiedLists(): { kind: ObjectKind; list: string }[] {
  return [...TABLE.keys()].map((k) => ({ kind: k.slice(0, k.indexOf('|')), list: k.slice(k.indexOf('|') + 1) }));
}

/** A Calico rule's identity: everything it matches and does, without its `metadata`. */
export const calicoRuleIdentity = (rule: unknown): string | undefined => listIdentity('NetworkPolicy.projectcalico.org', 'spec.ingress')!.key(rule);

/** JSON with object keys sorted, so equal data gives equal text whatever its key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v) =>
    isRecord(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

function fieldOf(value: unknown, field: string): unknown {
  return isRecord(value) ? value[field] : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
