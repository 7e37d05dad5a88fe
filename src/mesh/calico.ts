import { type Cidr, contains, parseCidr } from './cidr.js';
import { type Labels, namespaceSelects, parseSelector, selects } from './calico-selector.js';
import { type CalicoEntity, type CalicoPolicy, type CalicoRule, type CalicoTier, type ClusterView, cmp } from './model.js';

/**
 * Calico's L4 verdict for one packet at one workload endpoint, as Felix renders policy
 * (projectcalico/calico v3.32.0):
 *
 * - Tiers in `order` (an unset order last, then by name: felix/calc/policy_sorter.go TierLess); a tier
 *   takes part for an endpoint and direction only when one of its policies selects the endpoint with
 *   that type (felix/rules/endpoints.go: `if len(policyGroups) > 0`).
 * - In a tier, policies by `order` (unset = +Inf), ties by name (policy_sorter.go PolKVLess); in a
 *   policy, rules in order. The first matching Allow or Deny is final; Pass skips to the next tier;
 *   Log goes on (docs: reference/resources/networkpolicy "Rule").
 * - A tier whose policies all leave the packet unmatched ends in its `defaultAction`: Deny unless the
 *   Tier says Pass (endpoints.go: "End of tier %s. Drop if no policies passed packet").
 * - No tier took part, or every tier passed: the namespace's profile decides, and Kubernetes
 *   namespaces' profiles allow everything (libcalico-go k8s/conversion NamespaceToProfile).
 * - Built-in tiers: `default` (order 1,000,000, Deny), `kube-admin` (1,000, Pass), `kube-baseline`
 *   (10,000,000, Pass) (docs: network-policy/policy-tiers/tiered-policy).
 *
 * A policy naming a tier the cluster does not hold was refused by the API (see flux-order.ts) and
 * takes no part here.
 */

export type Direction = 'Ingress' | 'Egress';

/** A pod in the cluster being evaluated: selected by labels, namespace and service account. */
export interface LocalWorkload {
  readonly kind: 'workload';
  readonly namespace: string;
  readonly labels: Labels;
  readonly serviceAccount: string;
  readonly namedPorts?: ReadonlyMap<string, { readonly port: number }>;
  /** How a trace names it, e.g. `shop/web` or `istio-system/eastwest-gateway`. */
  readonly describe: string;
}

/**
 * A peer Calico can only see by address (Calico OSS knows no other cluster's pods: docs
 * multicluster federation overview): pods of a cluster (its pod CIDRs), an east-west gateway's
 * addresses, or an address fleet cannot know (`ranges` undefined: NAT, a host name).
 */
export interface AddressPeer {
  readonly kind: 'address';
  readonly ranges?: readonly Cidr[];
  readonly describe: string;
}

export type CalicoPeer = LocalWorkload | AddressPeer;

export interface CalicoVerdict {
  readonly allowed: boolean;
  /** `allowed by NetworkPolicy shop/web-egress rule 2 (tier default, traffic rule web-to-checkout)`, `denied by GlobalNetworkPolicy fleet-default-deny (end of tier default)`. */
  readonly text: string;
  /** The deciding policy (absent when a profile decided). */
  readonly policy?: { readonly kind: string; readonly namespace?: string; readonly name: string; readonly tier: string };
  /** 1-based rule index; absent at an end of tier. */
  readonly rule?: number;
  readonly trafficRule?: string;
}

const BUILT_IN_TIERS: Readonly<Record<string, CalicoTier>> = {
  default: { name: 'default', order: 1_000_000, defaultAction: 'Deny' },
  'kube-admin': { name: 'kube-admin', order: 1_000, defaultAction: 'Pass' },
  'kube-baseline': { name: 'kube-baseline', order: 10_000_000, defaultAction: 'Pass' },
};

/** The tier a cluster knows by this name (its Tier object, or a built-in), if any. */
export function tierOf(view: ClusterView, name: string): CalicoTier | undefined {
  return view.tiers.get(name) ?? BUILT_IN_TIERS[name];
}

/** The verdict for a packet at `endpoint` (in `view`), from or to `peer`, on a transport and destination port. */
export function calicoVerdict(view: ClusterView, endpoint: LocalWorkload, direction: Direction, peer: CalicoPeer, protocol: 'TCP' | 'UDP', port: number): CalicoVerdict {
  // Memoised by identity (the model hands out one object per pod template, peer and caller): the check asks millions of times.
  const cache = cacheOf(view);
  let byPeer = cache.verdicts.get(endpoint);
  if (!byPeer) cache.verdicts.set(endpoint, (byPeer = new Map()));
  let byPort = byPeer.get(peer);
  if (!byPort) byPeer.set(peer, (byPort = new Map()));
  const key = `${direction}${protocol}${port}`;
  let verdict = byPort.get(key);
  if (!verdict) byPort.set(key, (verdict = decide(view, endpoint, direction, peer, protocol, port)));
  return verdict;
}

interface CalicoCache {
  readonly verdicts: Map<LocalWorkload, Map<CalicoPeer, Map<string, CalicoVerdict>>>;
  /** By the namespace of the rule's NetworkPolicy ('' for global ones): equal entities are one object across policies. */
  readonly entities: Map<string, Map<CalicoEntity, Map<CalicoPeer, boolean>>>;
  readonly subjects: Map<CalicoPeer, Subject[]>;
  readonly tiers: Map<LocalWorkload, Map<Direction, { tier: CalicoTier; policies: CalicoPolicy[] }[]>>;
}

const CACHES = new WeakMap<ClusterView, CalicoCache>();
function cacheOf(view: ClusterView): CalicoCache {
  let cache = CACHES.get(view);
  if (!cache) CACHES.set(view, (cache = { verdicts: new Map(), entities: new Map(), subjects: new Map(), tiers: new Map() }));
  return cache;
}

function decide(view: ClusterView, endpoint: LocalWorkload, direction: Direction, peer: CalicoPeer, protocol: 'TCP' | 'UDP', port: number): CalicoVerdict {
  for (const { tier, policies } of tiersFor(view, endpoint, direction)) {
    let passed = false;
    for (const policy of policies) {
      const rules = direction === 'Ingress' ? policy.ingress : policy.egress;
      const index = rules.findIndex((rule) => rule.action !== 'Log' && ruleMatches(view, rule, policy, endpoint, direction, peer, protocol, port));
      if (index < 0) continue;
      const rule = rules[index];
      if (rule.action === 'Pass') {
        passed = true;
        break;
      }
      const allowed = rule.action === 'Allow';
      const ref = { kind: policy.kind, namespace: policy.namespace, name: policy.name, tier: tier.name };
      const why = rule.trafficRule ? `, traffic rule ${rule.trafficRule}` : '';
      return { allowed, policy: ref, rule: index + 1, trafficRule: rule.trafficRule, text: `${allowed ? 'allowed' : 'denied'} by ${policy.kind} ${refName(policy)} rule ${index + 1} (tier ${tier.name}${why})` };
    }
    if (passed || tier.defaultAction === 'Pass') continue;
    const last = policies[policies.length - 1];
    return { allowed: false, policy: { kind: last.kind, namespace: last.namespace, name: last.name, tier: tier.name }, text: `denied by ${last.kind} ${refName(last)} (end of tier ${tier.name})` };
  }
  return { allowed: true, text: `allowed: no tier denies it (namespace profile kns.${endpoint.namespace} allows)` };
}

/** The tiers that take part for an endpoint in a direction, in order, each with its policies in order. */
function tiersFor(view: ClusterView, endpoint: LocalWorkload, direction: Direction): { tier: CalicoTier; policies: CalicoPolicy[] }[] {
  const cache = cacheOf(view);
  let byDirection = cache.tiers.get(endpoint);
  if (!byDirection) cache.tiers.set(endpoint, (byDirection = new Map()));
  let found = byDirection.get(direction);
  if (!found) byDirection.set(direction, (found = view.memoised(`calico tiers ${direction} ${endpointKey(endpoint)}`, () => findTiers(view, endpoint, direction))));
  return found;
}

function findTiers(view: ClusterView, endpoint: LocalWorkload, direction: Direction): { tier: CalicoTier; policies: CalicoPolicy[] }[] {
  {
    const namespace = { name: endpoint.namespace, labels: namespaceLabels(view, endpoint.namespace) };
    const byTier = new Map<string, CalicoPolicy[]>();
    // GlobalNetworkPolicies, and the NetworkPolicies of the endpoint's namespace (they select only there).
    const index = view.memoised('calico policies by namespace', () => {
      const map = new Map<string, CalicoPolicy[]>();
      for (const p of view.calicoPolicies) map.set(p.namespace ?? '', [...(map.get(p.namespace ?? '') ?? []), p]);
      return map;
    });
    for (const policy of [...(index.get('') ?? []), ...(index.get(endpoint.namespace) ?? [])]) {
      if (!policy.types.has(direction) || !tierOf(view, policy.tier)) continue;
      if (policy.namespaceSelector !== undefined && !namespaceSelects(parseSelector(policy.namespaceSelector), namespace)) continue;
      if (!selects(policy.selector, endpoint.labels)) continue;
      const list = byTier.get(policy.tier) ?? [];
      list.push(policy);
      byTier.set(policy.tier, list);
    }
    return [...byTier].map(([name, policies]) => ({ tier: tierOf(view, name)!, policies: policies.sort(policyOrder) })).sort((a, b) => orderOf(a.tier.order) - orderOf(b.tier.order) || cmp(a.tier.name, b.tier.name));
  }
}

function policyOrder(a: CalicoPolicy, b: CalicoPolicy): number {
  // PolKVLess: order, then "name/namespace/kind".
  return orderOf(a.order) - orderOf(b.order) || cmp(`${a.name}/${a.namespace ?? ''}/${a.kind}`, `${b.name}/${b.namespace ?? ''}/${b.kind}`);
}

function orderOf(order: number | undefined): number {
  return order === undefined ? Number.POSITIVE_INFINITY : order;
}

/** A namespace's labels as Calico sees them: the Namespace's own, plus `projectcalico.org/name` (NamespaceToProfile). */
export function namespaceLabels(view: ClusterView, namespace: string): Labels {
  return view.memoised(`ns labels ${namespace}`, () => ({ ...(view.namespaces.get(namespace) ?? { 'kubernetes.io/metadata.name': namespace }), 'projectcalico.org/name': namespace }));
}

function ruleMatches(view: ClusterView, rule: CalicoRule, policy: CalicoPolicy, endpoint: LocalWorkload, direction: Direction, peer: CalicoPeer, protocol: 'TCP' | 'UDP', port: number): boolean {
  if (rule.protocol !== undefined && !sameProtocol(rule.protocol, protocol)) return false;
  if (rule.notProtocol !== undefined && sameProtocol(rule.notProtocol, protocol)) return false;
  const policyNamespace = policy.kind === 'NetworkPolicy' ? policy.namespace : undefined;
  // The policed endpoint is the destination of ingress and the source of egress; the peer the other side.
  const [source, destination] = direction === 'Ingress' ? [peer, endpoint as CalicoPeer] : [endpoint as CalicoPeer, peer];
  // Source ports are ephemeral: a rule that names them never matches here.
  if (rule.source.ports || rule.source.notPorts) return false;
  return portMatches(rule.destination, destination, port) && matchesMemo(view, rule.source, policyNamespace, source) && matchesMemo(view, rule.destination, policyNamespace, destination);
}

/** entityMatches, memoised per policy namespace, entity and side. */
function matchesMemo(view: ClusterView, entity: CalicoEntity, policyNamespace: string | undefined, side: CalicoPeer): boolean {
  const cache = cacheOf(view);
  let byEntity = cache.entities.get(policyNamespace ?? '');
  if (!byEntity) cache.entities.set(policyNamespace ?? '', (byEntity = new Map()));
  let bySide = byEntity.get(entity);
  if (!bySide) byEntity.set(entity, (bySide = new Map()));
  let hit = bySide.get(side);
  if (hit === undefined) bySide.set(side, (hit = entityMatches(view, entity, policyNamespace, side)));
  return hit;
}

function sameProtocol(named: string | number, protocol: 'TCP' | 'UDP'): boolean {
  const number = protocol === 'TCP' ? 6 : 17;
  return typeof named === 'number' ? named === number : named.toUpperCase() === protocol;
}

/**
 * An EntityRule against one side of the packet, after libcalico-go
 * syncersv1/updateprocessors/rules.go getEndpointSelector: `namespaceSelector` scopes the selector
 * (`all()` every namespace, `global()` no namespace: GlobalNetworkSets); without it a
 * NetworkPolicy's rule is scoped to its own namespace as soon as any selector field is set;
 * `serviceAccounts` adds the account's name. A rule with no selector field matches any address.
 * `nets` match the address; an address fleet cannot know matches no net.
 */
function entityMatches(view: ClusterView, entity: CalicoEntity, policyNamespace: string | undefined, side: CalicoPeer): boolean {
  if (entity.nets) {
    const ranges = rangesOf(view, side);
    if (!ranges?.every((r) => entity.nets!.some((n) => n !== undefined && contains(n, r)))) return false;
  }
  if (entity.notNets) {
    const ranges = rangesOf(view, side);
    if (!ranges || ranges.some((r) => entity.notNets!.some((n) => n !== undefined && (contains(n, r) || contains(r, n))))) return false;
  }
  const positive = entity.selector !== undefined || entity.namespaceSelector !== undefined || entity.serviceAccounts !== undefined;
  if (!positive && entity.notSelector === undefined) return true;
  const subjects = subjectsOf(view, side);
  const inScope = (s: Subject) =>
    entity.namespaceSelector !== undefined ? namespaceSelects(parseSelector(entity.namespaceSelector), { name: s.namespace, labels: s.namespaceLabels }) : policyNamespace === undefined || s.namespace === policyNamespace;
  if (positive) {
    const matched = subjects.some((s) => inScope(s) && (entity.selector === undefined || selects(entity.selector, s.labels)) && (entity.serviceAccounts === undefined || serviceAccountMatches(entity.serviceAccounts, s)));
    if (!matched) return false;
  }
  if (entity.notSelector !== undefined && subjects.some((s) => inScope(s) && selects(entity.notSelector!, s.labels))) return false;
  return true;
}

function serviceAccountMatches(accounts: NonNullable<CalicoEntity['serviceAccounts']>, subject: Subject): boolean {
  if (subject.serviceAccount === undefined) return false;
  if (accounts.names && !accounts.names.includes(subject.serviceAccount)) return false;
  // ServiceAccount labels are not rendered by fleet's selectors; an account selector sees none.
  if (accounts.selector !== undefined && !selects(accounts.selector, {})) return false;
  return true;
}

function portMatches(destination: CalicoEntity, side: CalicoPeer, port: number): boolean {
  const hit = (p: number | string) => {
    if (typeof p === 'number') return p === port;
    const range = /^(\d+):(\d+)$/.exec(p);
    if (range) return Number(range[1]) <= port && port <= Number(range[2]);
    if (/^\d+$/.test(p)) return Number(p) === port;
    // A named port: the workload's container port of that name.
    return side.kind === 'workload' && side.namedPorts?.get(p)?.port === port;
  };
  if (destination.ports && !destination.ports.some(hit)) return false;
  if (destination.notPorts?.some(hit)) return false;
  return true;
}

/** What Calico can match a side of the packet against: the pod itself, or the network sets holding the address. */
interface Subject {
  readonly namespace?: string;
  readonly namespaceLabels: Labels;
  readonly labels: Labels;
  readonly serviceAccount?: string;
}

function subjectsOf(view: ClusterView, side: CalicoPeer): Subject[] {
  const cache = cacheOf(view);
  let subjects = cache.subjects.get(side);
  if (!subjects) cache.subjects.set(side, (subjects = findSubjects(view, side)));
  return subjects;
}

function findSubjects(view: ClusterView, side: CalicoPeer): Subject[] {
  const ranges = rangesOf(view, side);
  // IP sets hold the addresses of every selected endpoint and network set: an address in a set's nets matches the set.
  const sets = ranges ? view.networkSets.filter((set) => ranges.every((r) => set.nets.some((n) => contains(n, r)))).map((set) => ({ namespaceLabels: {}, labels: set.labels })) : [];
  if (side.kind === 'address') return sets;
  return [{ namespace: side.namespace, namespaceLabels: namespaceLabels(view, side.namespace), labels: side.labels, serviceAccount: side.serviceAccount }, ...sets];
}

/** The address ranges a side is known to be in: a local pod is in its cluster's pod CIDRs. */
function rangesOf(view: ClusterView, side: CalicoPeer): readonly Cidr[] | undefined {
  if (side.kind === 'address') return side.ranges;
  return view.memoised('pod ranges', () => {
    const ranges = view.facts.podCIDRs.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== undefined);
    // A pod is in one of the ranges, which one is not known: only a net holding all of them surely holds it.
    return ranges.length > 0 ? ranges : undefined;
  });
}

function endpointKey(endpoint: LocalWorkload): string {
  return `${endpoint.namespace}|${endpoint.serviceAccount}|${labelKey(endpoint.labels)}`;
}

function _peerKey(peer: CalicoPeer): string {
  return peer.kind === 'workload' ? `w:${endpointKey(peer)}` : `a:${peer.ranges ? peer.ranges.map((r) => r.text).join(',') : '?'}`;
}

const LABEL_KEYS = new WeakMap<Labels, string>();
function labelKey(labels: Labels): string {
  let key = LABEL_KEYS.get(labels);
  if (key === undefined) {
    key = Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`)
      .join(',');
    LABEL_KEYS.set(labels, key);
  }
  return key;
}

function refName(policy: CalicoPolicy): string {
  return policy.namespace ? `${policy.namespace}/${policy.name}` : policy.name;
}
