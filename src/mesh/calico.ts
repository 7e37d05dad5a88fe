import { type Cidr, contains, maskOf } from './cidr.js';
import { type Labels, namespaceSelects, type SelectorMemo, type SelectorNode } from './calico-selector.js';
import { type CalicoEntity, type CalicoPolicy, type CalicoRule, type CalicoTier, type ClusterView, cmp, type NetworkSet } from './model.js';

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
  return verdictAt(calicoEndpoint(view, endpoint, direction), peer, protocol, port);
}

/**
 * One endpoint's policy in one direction: the tiers that take part, each with its selecting
 * policies' rules, and the verdicts found so far (memoised by peer, transport and port: the model
 * hands out one object per pod template, peer and caller). A caller that asks about one endpoint
 * many times keeps this (calicoEndpoint) and asks verdictAt.
 */
export interface CalicoEndpoint {
  readonly view: ClusterView;
  /** The tables of the view's model (its packet class ids). */
  readonly memo: CalicoModelMemo;
  readonly endpoint: LocalWorkload;
  readonly direction: Direction;
  readonly tiers: readonly RuleTier[];
  /** The endpoint as the rules see it. */
  readonly side: Side;
  /** Per peer, the verdicts asked for (one entry per transport and port, a short list). */
  readonly verdicts: Map<CalicoPeer, VerdictEntry>;
  /** The verdict when no tier denies (made once). */
  allowed?: CalicoVerdict;
  /** Its (cluster, pod class) id (made once). */
  endClass?: number;
}

interface VerdictEntry {
  readonly protocol: 'TCP' | 'UDP';
  readonly port: number;
  readonly verdict: CalicoVerdict;
  readonly next?: VerdictEntry;
}

/** The verdict for a packet at an endpoint. */
export function verdictAt(at: CalicoEndpoint, peer: CalicoPeer, protocol: 'TCP' | 'UDP', port: number): CalicoVerdict {
  const first = at.verdicts.get(peer);
  for (let e = first; e; e = e.next) if (e.port === port && e.protocol === protocol) return e.verdict;
  const verdict = decide(at, peer, protocol, port);
  at.verdicts.set(peer, { protocol, port, verdict, next: first });
  return verdict;
}

/**
 * What Calico can tell apart about the packet at this end: the cluster, the pod, the peer (pods by
 * namespace, service account and app; addresses by what they are), transport and port. Two
 * packets of one class get one verdict whatever else differs. As text (short ids), and as a
 * number for sets of them (the same classes, without a string each; a string where the numbers
 * would not fit).
 */
export function packetClass(at: CalicoEndpoint, peer: CalicoPeer, protocol: 'TCP' | 'UDP', port: number): string {
  return `${at.view.name}|${classId(at.memo, at.endpoint)}|${classId(at.memo, peer)}|${protocol}${port}`;
}

export function packetClassKey(at: CalicoEndpoint, peer: CalicoPeer, protocol: 'TCP' | 'UDP', port: number): number | string {
  const end = (at.endClass ??= endClassId(at));
  const other = classId(at.memo, peer);
  if (end >= 2 ** 20 || other >= 2 ** 16 || !Number.isInteger(port) || port < 0 || port >= 2 ** 16) return packetClass(at, peer, protocol, port);
  return ((end * 2 ** 16 + other) * 2 + (protocol === 'UDP' ? 1 : 0)) * 2 ** 16 + port;
}

/** The (cluster, pod class) of an endpoint as one number (counted across the model's clusters). */
function endClassId(at: CalicoEndpoint): number {
  const { ids } = at.memo;
  let byPod = ids.endClassIds.get(at.view);
  if (!byPod) ids.endClassIds.set(at.view, (byPod = new Map()));
  const pod = classId(at.memo, at.endpoint);
  let id = byPod.get(pod);
  if (id === undefined) byPod.set(pod, (id = ids.endClassIdsMade++));
  return id;
}

/** Peers that Calico cannot tell apart get one id: pods by namespace, service account and app; addresses by what they are. */
function classId(memo: CalicoModelMemo, peer: CalicoPeer): number {
  const { ids } = memo;
  let id = ids.classIdsByPeer.get(peer);
  if (id === undefined) {
    const key = peer.kind === 'workload' ? `pod ${peer.namespace}/${peer.serviceAccount}/${peer.labels.app ?? peer.describe}` : peer.describe;
    id = ids.classIds.get(key);
    if (id === undefined) ids.classIds.set(key, (id = ids.classIds.size));
    ids.classIdsByPeer.set(peer, id);
  }
  return id;
}

interface RuleTier {
  readonly tier: CalicoTier;
  /** The tier's policies that select the endpoint, in order, each with its rules of the direction. */
  readonly policies: readonly { readonly policy: CalicoPolicy; readonly rules: readonly PreparedRule[] }[];
  /** The verdict at the end of the tier (made once). */
  end?: CalicoVerdict;
}

/** A rule of a policy, made ready to test packets against (once per policy and direction). */
interface PreparedRule {
  /** Position in the policy's rules of this direction (0-based). */
  readonly index: number;
  readonly test: RuleTest;
  /** The verdict when the rule decides (made once). */
  verdict?: CalicoVerdict;
}

/**
 * What a rule asks of a packet in a direction, for policies of one namespace: protocol,
 * destination port and its two entities (once per rule: equal rules are one object, model.ts).
 */
interface RuleTest {
  readonly rule: CalicoRule;
  readonly tcp: boolean;
  readonly udp: boolean;
  readonly ports?: PortSet;
  readonly notPorts?: PortSet;
  /** The endpoint's side of the rule (its destination for ingress, its source for egress). */
  readonly own: EntityMatcher;
  /** The peer's side. */
  readonly peer: EntityMatcher;
}

/** An entity of the rules of policies in one namespace ('' for global ones), with its matches by side (equal entities are one object: model.ts). */
interface EntityMatcher {
  readonly entity: CalicoEntity;
  readonly policyNamespace: string | undefined;
  /** The model's parsed selectors. */
  readonly selectors: SelectorMemo;
  readonly matches: Map<Side, boolean>;
}

/**
 * What this module remembers across the clusters of one model, in the model's ModelMemo: it dies
 * with the model, and two models never share it (their ids would collide). The weak tables are
 * keyed by the model's own objects (policies, rules, entities: each builder reads its own,
 * model.ts) and by peers. A scratch table (ModelMemo), but for the ids: packet classes are
 * compared across a forget(), so they keep their ids as long as the model.
 */
export interface CalicoModelMemo {
  readonly ids: CalicoIds;
  readonly selectors: SelectorMemo;
  /** Sides by content (sideOf): one object for equal sides, in any of the model's clusters. */
  readonly sides: Map<string, Side>;
  readonly namedPortsIds: WeakMap<NonNullable<LocalWorkload['namedPorts']>, number>;
  namedPortsIdsMade: number;
  readonly ruleTiers: WeakMap<readonly object[], RuleTier[]>;
  readonly prepared: WeakMap<CalicoPolicy, Partial<Record<Direction, PreparedRule[]>>>;
  readonly ruleTests: Record<Direction, WeakMap<CalicoRule, [string | undefined, RuleTest | undefined][]>>;
  readonly matchers: WeakMap<CalicoEntity, Map<string, EntityMatcher>>;
  readonly portSets: WeakMap<readonly (number | string)[], PortSet>;
  readonly sortKeys: WeakMap<CalicoPolicy, string>;
  readonly subjectKeys: WeakMap<Subject, string>;
  readonly labelsKeys: WeakMap<Labels, string>;
  readonly setSubjects: WeakMap<NetworkSet, Subject>;
}

/** The ids of packet classes (packetClassKey), for the model's life. */
interface CalicoIds {
  /** classId's: by peer object, and by what Calico can tell apart of a peer. */
  readonly classIdsByPeer: WeakMap<CalicoPeer, number>;
  readonly classIds: Map<string, number>;
  /** Each view's (pod class) -> (cluster, pod class) ids, and the next one (endClassId). */
  readonly endClassIds: WeakMap<ClusterView, Map<number, number>>;
  endClassIdsMade: number;
}

function calicoModelMemo(view: ClusterView): CalicoModelMemo {
  const memo = view.modelMemo;
  return memo.scratch(
    'calico',
    (): CalicoModelMemo => ({
      ids: memo.memoised('calico ids', (): CalicoIds => ({ classIdsByPeer: new WeakMap(), classIds: new Map(), endClassIds: new WeakMap(), endClassIdsMade: 0 })),
      selectors: memo.selectors,
      sides: new Map(),
      namedPortsIds: new WeakMap(),
      namedPortsIdsMade: 1,
      ruleTiers: new WeakMap(),
      prepared: new WeakMap(),
      ruleTests: { Ingress: new WeakMap(), Egress: new WeakMap() },
      matchers: new WeakMap(),
      portSets: new WeakMap(),
      sortKeys: new WeakMap(),
      subjectKeys: new WeakMap(),
      labelsKeys: new WeakMap(),
      setSubjects: new WeakMap(),
    }),
  );
}

/** What this module remembers for one cluster: a scratch table of its view. */
interface CalicoCache {
  readonly model: CalicoModelMemo;
  readonly endpoints: WeakMap<LocalWorkload, Partial<Record<Direction, CalicoEndpoint>>>;
  /** By labels object, then direction, namespace, service account, name (and named ports at ingress). */
  readonly equalEndpoints: WeakMap<Labels, Map<string, CalicoEndpoint>>;
  readonly sides: Map<CalicoPeer, Side>;
  readonly setsHolding: Map<readonly Cidr[], Subject[]>;
  readonly tiers: Record<Direction, WeakMap<Labels, Map<string, SelectedTiers>>>;
}

function cacheOf(view: ClusterView): CalicoCache {
  return view.scratch(
    'calico',
    (): CalicoCache => ({ model: calicoModelMemo(view), endpoints: new WeakMap(), equalEndpoints: new WeakMap(), sides: new Map(), setsHolding: new Map(), tiers: { Ingress: new WeakMap(), Egress: new WeakMap() } }),
  );
}

/**
 * The policy of an endpoint in a direction: one per endpoint object, and one for endpoints that
 * differ in nothing Calico reads (a caller's pods and its Deployment's pods; at ingress their named
 * ports count too).
 */
export function calicoEndpoint(view: ClusterView, endpoint: LocalWorkload, direction: Direction): CalicoEndpoint {
  const cache = cacheOf(view);
  let byDirection = cache.endpoints.get(endpoint);
  if (!byDirection) cache.endpoints.set(endpoint, (byDirection = {}));
  let at = byDirection[direction];
  if (!at) {
    let byKey = cache.equalEndpoints.get(endpoint.labels);
    if (!byKey) cache.equalEndpoints.set(endpoint.labels, (byKey = new Map()));
    const key = `${direction}\0${endpoint.namespace}\0${endpoint.serviceAccount}\0${endpoint.describe}\0${direction === 'Ingress' ? namedPortsId(cache.model, endpoint.namedPorts) : ''}`;
    at = byKey.get(key);
    if (!at) {
      const tiers = ruleTiers(cache.model, tiersFor(view, endpoint, direction), direction);
      // Every field from the start, the memoised ones unset: one object shape for the hot paths.
      at = { view, memo: cache.model, endpoint, direction, tiers, side: sideOf(view, endpoint), verdicts: new Map(), allowed: undefined, endClass: undefined };
      byKey.set(key, at);
    }
    byDirection[direction] = at;
  }
  return at;
}

function namedPortsId(memo: CalicoModelMemo, ports: LocalWorkload['namedPorts']): number {
  if (!ports) return 0;
  let id = memo.namedPortsIds.get(ports);
  if (id === undefined) memo.namedPortsIds.set(ports, (id = memo.namedPortsIdsMade++));
  return id;
}

/** The selected tiers with their policies' rules prepared (one per selection: endpoints with equal namespace and labels share it). */
function ruleTiers(memo: CalicoModelMemo, tiers: readonly { tier: CalicoTier; policies: readonly CalicoPolicy[] }[], direction: Direction): RuleTier[] {
  let prepared = memo.ruleTiers.get(tiers);
  if (!prepared) memo.ruleTiers.set(tiers, (prepared = tiers.map(({ tier, policies }) => ({ tier, policies: policies.map((policy) => ({ policy, rules: preparedRules(memo, policy, direction) })) }))));
  return prepared;
}

function preparedRules(memo: CalicoModelMemo, policy: CalicoPolicy, direction: Direction): PreparedRule[] {
  let byDirection = memo.prepared.get(policy);
  if (!byDirection) memo.prepared.set(policy, (byDirection = {}));
  return (byDirection[direction] ??= prepareRules(memo, policy, direction));
}

function prepareRules(memo: CalicoModelMemo, policy: CalicoPolicy, direction: Direction): PreparedRule[] {
  const policyNamespace = policy.kind === 'NetworkPolicy' ? policy.namespace : undefined;
  const prepared: PreparedRule[] = [];
  const rules = direction === 'Ingress' ? policy.ingress : policy.egress;
  for (let index = 0; index < rules.length; index++) {
    const test = ruleTest(memo, rules[index], direction, policyNamespace);
    if (test) prepared.push({ index, test });
  }
  return prepared;
}

/** Undefined for a rule that never matches a packet here: a Log rule, one naming source ports (ephemeral), one for neither TCP nor UDP. */
function ruleTest(memo: CalicoModelMemo, rule: CalicoRule, direction: Direction, policyNamespace: string | undefined): RuleTest | undefined {
  // A rule is mostly in policies of one namespace: a short list per rule and direction.
  const tests = memo.ruleTests[direction];
  let known = tests.get(rule);
  if (!known) tests.set(rule, (known = []));
  for (const [namespace, test] of known) if (namespace === policyNamespace) return test;
  const test = makeRuleTest(memo, rule, direction, policyNamespace);
  known.push([policyNamespace, test]);
  return test;
}

function makeRuleTest(memo: CalicoModelMemo, rule: CalicoRule, direction: Direction, policyNamespace: string | undefined): RuleTest | undefined {
  let test: RuleTest | undefined;
  const tcp = rule.action !== 'Log' && protocolAllows(rule, 'TCP');
  const udp = rule.action !== 'Log' && protocolAllows(rule, 'UDP');
  if ((tcp || udp) && !rule.source.ports && !rule.source.notPorts) {
    // The policed endpoint is the destination of ingress and the source of egress; the peer the other side.
    const [own, peer] = direction === 'Ingress' ? [rule.destination, rule.source] : [rule.source, rule.destination];
    test = {
      rule,
      tcp,
      udp,
      ports: rule.destination.ports && portSet(memo, rule.destination.ports),
      notPorts: rule.destination.notPorts && portSet(memo, rule.destination.notPorts),
      own: entityMatcher(memo, own, policyNamespace),
      peer: entityMatcher(memo, peer, policyNamespace),
    };
  }
  return test;
}

function decide(at: CalicoEndpoint, peer: CalicoPeer, protocol: 'TCP' | 'UDP', port: number): CalicoVerdict {
  const { endpoint, direction } = at;
  const udp = protocol === 'UDP';
  const peerSide = sideOf(at.view, peer);
  // Named destination ports are the destination's: the endpoint's for ingress, the peer's (a local pod) for egress.
  const named = direction === 'Ingress' ? endpoint.namedPorts : peer.kind === 'workload' ? peer.namedPorts : undefined;
  for (let t = 0; t < at.tiers.length; t++) {
    const ruleTier = at.tiers[t];
    const { tier, policies } = ruleTier;
    let passed = false;
    scan: for (let p = 0; p < policies.length; p++) {
      const { policy, rules } = policies[p];
      for (let i = 0; i < rules.length; i++) {
        const r = rules[i].test;
        if (!(udp ? r.udp : r.tcp)) continue;
        if ((r.ports && !inPortSet(r.ports, port, named)) || (r.notPorts && inPortSet(r.notPorts, port, named))) continue;
        // The source's side first, then the destination's (Felix's order; it matters only for which invalid selector is reported).
        if (direction === 'Ingress' ? !matches(r.peer, peerSide) || !matches(r.own, at.side) : !matches(r.own, at.side) || !matches(r.peer, peerSide)) continue;
        // The first matching Allow or Deny is final; Pass skips to the next tier.
        if (r.rule.action === 'Pass') {
          passed = true;
          break scan;
        }
        return (rules[i].verdict ??= ruleVerdict(policy, tier, rules[i]));
      }
    }
    if (passed || tier.defaultAction === 'Pass') continue;
    if (!ruleTier.end) {
      const last = policies[policies.length - 1].policy;
      ruleTier.end = { allowed: false, policy: { kind: last.kind, namespace: last.namespace, name: last.name, tier: tier.name }, text: `denied by ${last.kind} ${refName(last)} (end of tier ${tier.name})` };
    }
    return ruleTier.end;
  }
  return (at.allowed ??= { allowed: true, text: `allowed: no tier denies it (namespace profile kns.${endpoint.namespace} allows)` });
}

function ruleVerdict(policy: CalicoPolicy, tier: CalicoTier, r: PreparedRule): CalicoVerdict {
  return new RuleVerdict(policy, tier.name, r.index + 1, r.test.rule);
}

/**
 * A rule's verdict, memoised on the rule for every endpoint it decides. A check memoises hundreds
 * of thousands of them at fleet scale and reads the words of few (those it reports), so `policy`
 * and `text` are made when read.
 */
class RuleVerdict implements CalicoVerdict {
  readonly allowed: boolean;
  readonly trafficRule?: string;

  constructor(
    private readonly decidedBy: CalicoPolicy,
    private readonly tier: string,
    readonly rule: number,
    calicoRule: CalicoRule,
  ) {
    this.allowed = calicoRule.action === 'Allow';
    this.trafficRule = calicoRule.trafficRule;
  }

  get policy(): NonNullable<CalicoVerdict['policy']> {
    const { kind, namespace, name } = this.decidedBy;
    return { kind, namespace, name, tier: this.tier };
  }

  get text(): string {
    const why = this.trafficRule ? `, traffic rule ${this.trafficRule}` : '';
    return `${this.allowed ? 'allowed' : 'denied'} by ${this.decidedBy.kind} ${refName(this.decidedBy)} rule ${this.rule} (tier ${this.tier}${why})`;
  }
}

/**
 * The tiers that take part for an endpoint in a direction, in order, each with its policies in
 * order. They depend on its namespace and labels only: shared by endpoints with the same labels
 * object (a Deployment's pods and its callers), else with equal ones.
 */
function tiersFor(view: ClusterView, endpoint: LocalWorkload, direction: Direction): SelectedTiers {
  const cache = cacheOf(view);
  let byNamespace = cache.tiers[direction].get(endpoint.labels);
  if (!byNamespace) cache.tiers[direction].set(endpoint.labels, (byNamespace = new Map()));
  let tiers = byNamespace.get(endpoint.namespace);
  if (!tiers) {
    tiers = view.scratch(`calico tiers ${direction} ${endpoint.namespace} ${labelsKey(cache.model, endpoint.labels)}`, () => findTiers(view, endpoint, direction));
    byNamespace.set(endpoint.namespace, tiers);
  }
  return tiers;
}

type SelectedTiers = { tier: CalicoTier; policies: CalicoPolicy[] }[];

function findTiers(view: ClusterView, endpoint: LocalWorkload, direction: Direction): { tier: CalicoTier; policies: CalicoPolicy[] }[] {
  const namespace = { name: endpoint.namespace, labels: namespaceLabels(view, endpoint.namespace) };
  const memo = cacheOf(view).model;
  const selectors = memo.selectors;
  const byTier = new Map<string, IndexedPolicy[]>();
  // GlobalNetworkPolicies, then the NetworkPolicies of the endpoint's namespace (they select only there), each in the view's order.
  const index = view.memoised('calico policy index', () => indexPolicies(selectors, view.calicoPolicies));
  const groups = [index.get(''), endpoint.namespace === '' ? undefined : index.get(endpoint.namespace)];
  const consider = (candidates: readonly IndexedPolicy[] | undefined, offset: number) => {
    for (const { policy, position } of candidates ?? []) {
      if (!policy.types.has(direction) || !tierOf(view, policy.tier)) continue;
      if (policy.namespaceSelector !== undefined && !namespaceSelects(selectors.parse(policy.namespaceSelector), namespace)) continue;
      if (!selectors.selects(policy.selector, endpoint.labels)) continue;
      const list = byTier.get(policy.tier) ?? [];
      list.push({ policy, position: offset + position });
      byTier.set(policy.tier, list);
    }
  };
  for (const [g, group] of groups.entries()) {
    if (!group) continue;
    consider(group.unindexed, g * view.calicoPolicies.length);
    // Only the policies whose selector's required `label == value` the endpoint has (the index leaves out no policy that may select it).
    for (const label in endpoint.labels) consider(group.byLabel.get(label)?.get(endpoint.labels[label]), g * view.calicoPolicies.length);
  }
  const tiers: { tier: CalicoTier; policies: CalicoPolicy[] }[] = [];
  for (const [name, policies] of byTier) tiers.push({ tier: tierOf(view, name)!, policies: sortSmall(policies, (a, b) => policyOrder(memo, a.policy, b.policy) || a.position - b.position).map((p) => p.policy) });
  return sortSmall(tiers, (a, b) => orderOf(a.tier.order) - orderOf(b.tier.order) || cmp(a.tier.name, b.tier.name));
}

interface IndexedPolicy {
  readonly position: number;
  readonly policy: CalicoPolicy;
}

interface PolicyGroup {
  readonly unindexed: IndexedPolicy[];
  /** Policies whose selector requires `label == value`, by label and value. */
  readonly byLabel: Map<string, Map<string, IndexedPolicy[]>>;
}

/** The view's policies by namespace ('' for global ones), indexed by the label equality their selector requires. */
function indexPolicies(selectors: SelectorMemo, policies: readonly CalicoPolicy[]): Map<string, PolicyGroup> {
  const index = new Map<string, PolicyGroup>();
  for (let position = 0; position < policies.length; position++) {
    const policy = policies[position];
    const key = policy.namespace ?? '';
    let group = index.get(key);
    if (!group) index.set(key, (group = { unindexed: [], byLabel: new Map() }));
    const required = requiredLabel(selectors, policy);
    if (!required) {
      group.unindexed.push({ position, policy });
      continue;
    }
    let byValue = group.byLabel.get(required.label);
    if (!byValue) group.byLabel.set(required.label, (byValue = new Map()));
    const list = byValue.get(required.value) ?? [];
    list.push({ position, policy });
    byValue.set(required.value, list);
  }
  return index;
}

/**
 * A `label == 'value'` test every endpoint the policy selects must pass (its selector, or one
 * operand of its `&&`). A policy with a selector that does not parse is left unindexed, so it is
 * evaluated (and reported) for every endpoint, as without the index.
 */
function requiredLabel(selectors: SelectorMemo, policy: CalicoPolicy): { label: string; value: string } | undefined {
  let node: SelectorNode;
  try {
    if (policy.namespaceSelector !== undefined) selectors.parse(policy.namespaceSelector);
    node = selectors.parse(policy.selector);
  } catch {
    return undefined;
  }
  const test = node.op === '&&' ? node.operands.find((o) => o.op === '==') : node;
  return test?.op === '==' ? { label: test.label, value: test.value } : undefined;
}

/** Sorts in place by insertion (stable; lists of a few policies or tiers, where Array.prototype.sort's setup dominates). */
function sortSmall<T>(list: T[], compare: (a: T, b: T) => number): T[] {
  for (let i = 1; i < list.length; i++) {
    const item = list[i];
    let j = i - 1;
    for (; j >= 0 && compare(list[j], item) > 0; j--) list[j + 1] = list[j];
    list[j + 1] = item;
  }
  return list;
}

function policyOrder(memo: CalicoModelMemo, a: CalicoPolicy, b: CalicoPolicy): number {
  // PolKVLess: order, then "name/namespace/kind".
  return orderOf(a.order) - orderOf(b.order) || cmp(sortKey(memo, a), sortKey(memo, b));
}

function sortKey(memo: CalicoModelMemo, policy: CalicoPolicy): string {
  let key = memo.sortKeys.get(policy);
  if (key === undefined) memo.sortKeys.set(policy, (key = `${policy.name}/${policy.namespace ?? ''}/${policy.kind}`));
  return key;
}

function orderOf(order: number | undefined): number {
  return order === undefined ? Number.POSITIVE_INFINITY : order;
}

/**
 * A namespace's labels as Calico sees them: the Namespace's own, plus `projectcalico.org/name`
 * (NamespaceToProfile). One object for every cluster whose Namespace has the same labels object
 * (fleet renders a namespace alike across clusters once, and the model reads it once).
 */
export function namespaceLabels(view: ClusterView, namespace: string): Labels {
  const memo = view.modelMemo.memoised('calico namespace labels', () => ({ byOwn: new WeakMap<Labels, Map<string, Labels>>(), unlabelled: new Map<string, Labels>() }));
  const own = view.namespaces.get(namespace);
  let byName = own ? memo.byOwn.get(own) : memo.unlabelled;
  if (!byName) memo.byOwn.set(own!, (byName = new Map()));
  let labels = byName.get(namespace);
  if (!labels) byName.set(namespace, (labels = { ...(own ?? { 'kubernetes.io/metadata.name': namespace }), 'projectcalico.org/name': namespace }));
  return labels;
}

/** Whether a rule's `protocol` and `notProtocol` let a transport through. */
function protocolAllows(rule: CalicoRule, protocol: 'TCP' | 'UDP'): boolean {
  if (rule.protocol !== undefined && !sameProtocol(rule.protocol, protocol)) return false;
  if (rule.notProtocol !== undefined && sameProtocol(rule.notProtocol, protocol)) return false;
  return true;
}

function entityMatcher(memo: CalicoModelMemo, entity: CalicoEntity, policyNamespace: string | undefined): EntityMatcher {
  let byNamespace = memo.matchers.get(entity);
  if (!byNamespace) memo.matchers.set(entity, (byNamespace = new Map()));
  let matcher = byNamespace.get(policyNamespace ?? '');
  if (!matcher) byNamespace.set(policyNamespace ?? '', (matcher = { entity, policyNamespace, selectors: memo.selectors, matches: new Map() }));
  return matcher;
}

/** entityMatches, memoised per side. */
function matches(matcher: EntityMatcher, side: Side): boolean {
  let hit = matcher.matches.get(side);
  if (hit === undefined) matcher.matches.set(side, (hit = entityMatches(matcher, side)));
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
function entityMatches(matcher: EntityMatcher, side: Side): boolean {
  const { entity, selectors } = matcher;
  if (entity.nets) {
    const ranges = side.ranges;
    if (!ranges) return false;
    for (const r of ranges) if (!entity.nets.some((n) => n !== undefined && contains(n, r))) return false;
  }
  if (entity.notNets) {
    const ranges = side.ranges;
    if (!ranges) return false;
    for (const r of ranges) if (entity.notNets.some((n) => n !== undefined && (contains(n, r) || contains(r, n)))) return false;
  }
  const positive = entity.selector !== undefined || entity.namespaceSelector !== undefined || entity.serviceAccounts !== undefined;
  if (!positive && entity.notSelector === undefined) return true;
  const subjects = side.subjects;
  if (positive) {
    let matched = false;
    for (const s of subjects) {
      if (inScope(matcher, s) && (entity.selector === undefined || selectors.selects(entity.selector, s.labels)) && (entity.serviceAccounts === undefined || serviceAccountMatches(selectors, entity.serviceAccounts, s))) {
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  if (entity.notSelector !== undefined) for (const s of subjects) if (inScope(matcher, s) && selectors.selects(entity.notSelector, s.labels)) return false;
  return true;
}

/** Whether a subject is in the entity's scope: its namespaceSelector, else the policy's own namespace (global policies: any). */
function inScope({ entity, policyNamespace, selectors }: EntityMatcher, s: Subject): boolean {
  return entity.namespaceSelector !== undefined
    ? namespaceSelects(selectors.parse(entity.namespaceSelector), { name: s.namespace, labels: s.namespaceLabels })
    : policyNamespace === undefined || s.namespace === policyNamespace;
}

function serviceAccountMatches(selectors: SelectorMemo, accounts: NonNullable<CalicoEntity['serviceAccounts']>, subject: Subject): boolean {
  if (subject.serviceAccount === undefined) return false;
  if (accounts.names && !accounts.names.includes(subject.serviceAccount)) return false;
  // ServiceAccount labels are not rendered by fleet's selectors; an account selector sees none.
  if (accounts.selector !== undefined && !selectors.selects(accounts.selector, {})) return false;
  return true;
}

/** A rule's `ports` or `notPorts`: numbers, `lo:hi` ranges, and names of a workload's container ports. */
interface PortSet {
  readonly numbers: ReadonlySet<number>;
  readonly ranges: readonly (readonly [number, number])[];
  readonly names: readonly string[];
}

/** By the list's identity: equal entities are one object across policies and clusters (model.ts). */
function portSet(memo: CalicoModelMemo, ports: readonly (number | string)[]): PortSet {
  let set = memo.portSets.get(ports);
  if (!set) memo.portSets.set(ports, (set = makePortSet(ports)));
  return set;
}

function makePortSet(ports: readonly (number | string)[]): PortSet {
  const numbers = new Set<number>();
  const ranges: [number, number][] = [];
  const names: string[] = [];
  for (const p of ports) {
    if (typeof p === 'number') {
      numbers.add(p);
      continue;
    }
    const range = /^(\d+):(\d+)$/.exec(p);
    if (range) ranges.push([Number(range[1]), Number(range[2])]);
    else if (/^\d+$/.test(p)) numbers.add(Number(p));
    else names.push(p);
  }
  return { numbers, ranges, names };
}

/** Whether a port is in the set; a named port is the workload's container port of that name. */
function inPortSet(set: PortSet, port: number, namedPorts: LocalWorkload['namedPorts']): boolean {
  if (set.numbers.has(port)) return true;
  for (const [lo, hi] of set.ranges) if (lo <= port && port <= hi) return true;
  for (const name of set.names) if (namedPorts?.get(name)?.port === port) return true;
  return false;
}

/** What Calico can match a side of the packet against: the pod itself, or the network sets holding the address. */
interface Subject {
  readonly namespace?: string;
  readonly namespaceLabels: Labels;
  readonly labels: Labels;
  readonly serviceAccount?: string;
}

/**
 * A side of a packet as Calico's rules can see it: the address ranges it is in (for `nets`) and its
 * subjects. What entityMatches decides depends on nothing else, so sides with equal content are one
 * object, in any cluster of the model: fleet repeats a few hundred across many clusters.
 */
interface Side {
  readonly ranges?: readonly Cidr[];
  readonly subjects: readonly Subject[];
}

function sideOf(view: ClusterView, peer: CalicoPeer): Side {
  const cache = cacheOf(view);
  let side = cache.sides.get(peer);
  if (!side) {
    const ranges = rangesOf(view, peer);
    const subjects = findSubjects(view, peer);
    // Range texts and subject keys (JSON) hold no line break.
    const key = `${ranges ? ranges.map((r) => r.text).join(',') : '-'}\n${subjects.map((subject) => subjectKey(cache.model, subject)).join('\n')}`;
    side = cache.model.sides.get(key);
    if (!side) cache.model.sides.set(key, (side = { ranges, subjects }));
    cache.sides.set(peer, side);
  }
  return side;
}

function subjectKey(memo: CalicoModelMemo, subject: Subject): string {
  let key = memo.subjectKeys.get(subject);
  // JSON values hold no line break.
  if (key === undefined)
    memo.subjectKeys.set(
      subject,
      (key = `${JSON.stringify(subject.namespace ?? null)}\n${JSON.stringify(subject.serviceAccount ?? null)}\n${labelsKey(memo, subject.labels)}\n${labelsKey(memo, subject.namespaceLabels)}`),
    );
  return key;
}

/** A label set's content as one string (one per labels object). */
function labelsKey(memo: CalicoModelMemo, labels: Labels): string {
  let key = memo.labelsKeys.get(labels);
  if (key === undefined)
    memo.labelsKeys.set(
      labels,
      (key = JSON.stringify(
        Object.keys(labels)
          .sort()
          .map((k) => [k, labels[k]]),
      )),
    );
  return key;
}

function findSubjects(view: ClusterView, side: CalicoPeer): Subject[] {
  const ranges = rangesOf(view, side);
  const subjects: Subject[] = side.kind === 'address' ? [] : [{ namespace: side.namespace, namespaceLabels: namespaceLabels(view, side.namespace), labels: side.labels, serviceAccount: side.serviceAccount }];
  if (ranges) subjects.push(...setsHolding(view, ranges));
  return subjects;
}

/**
 * The network sets of a view whose nets hold every one of the ranges, in the view's order: IP
 * sets hold the addresses of every selected endpoint and network set, so an address in a set's
 * nets matches the set. Memoised by the ranges' list (one per cluster's pods and gateway).
 */
function setsHolding(view: ClusterView, ranges: readonly Cidr[]): Subject[] {
  const cache = cacheOf(view);
  let found = cache.setsHolding.get(ranges);
  if (!found) {
    const index = view.memoised('network sets by net', () => indexNets(view.networkSets));
    let positions: number[] | undefined;
    for (const range of ranges) {
      // A net holds the range when it is no longer and the range's address, cut to the net's length, is the net's.
      const holding = new Set<number>();
      for (const [bits, byBase] of index.get(range.family) ?? []) if (bits <= range.bits) for (const p of byBase.get(range.base & maskOf(range.family, bits)) ?? []) holding.add(p);
      positions = positions === undefined ? [...holding] : positions.filter((p) => holding.has(p));
    }
    found = (positions ?? view.networkSets.map((_, p) => p)).sort((a, b) => a - b).map((p) => setSubject(cache.model, view.networkSets[p]));
    cache.setsHolding.set(ranges, found);
  }
  return found;
}

/** Positions of the network sets by their nets: family, prefix length, base address. */
function indexNets(sets: readonly NetworkSet[]): Map<4 | 6, Map<number, Map<bigint, number[]>>> {
  const index = new Map<4 | 6, Map<number, Map<bigint, number[]>>>();
  for (let p = 0; p < sets.length; p++) {
    for (const net of sets[p].nets) {
      let byBits = index.get(net.family);
      if (!byBits) index.set(net.family, (byBits = new Map()));
      let byBase = byBits.get(net.bits);
      if (!byBase) byBits.set(net.bits, (byBase = new Map()));
      const list = byBase.get(net.base) ?? [];
      if (!list.includes(p)) list.push(p);
      byBase.set(net.base, list);
    }
  }
  return index;
}

/** A network set as a subject: its labels, no namespace (one object per set). */
function setSubject(memo: CalicoModelMemo, set: NetworkSet): Subject {
  let subject = memo.setSubjects.get(set);
  if (!subject) memo.setSubjects.set(set, (subject = { namespaceLabels: {}, labels: set.labels }));
  return subject;
}

/** The address ranges a side is known to be in: a local pod is in its cluster's pod CIDRs. */
function rangesOf(view: ClusterView, side: CalicoPeer): readonly Cidr[] | undefined {
  if (side.kind === 'address') return side.ranges;
  return view.memoised('pod ranges', () => {
    const ranges = view.facts.podCIDRs.map((c) => view.modelMemo.cidrs.parse(c)).filter((c): c is Cidr => c !== undefined);
    // A pod is in one of the ranges, which one is not known: only a net holding all of them surely holds it.
    return ranges.length > 0 ? ranges : undefined;
  });
}

function refName(policy: CalicoPolicy): string {
  return policy.namespace ? `${policy.namespace}/${policy.name}` : policy.name;
}
