import type { Labels } from './calico-selector.js';
import { labelsInclude, ROOT_NAMESPACE } from './istio-routing.js';
import { type AuthorizationPolicy, type ClusterView, cmp, type PeerAuthentication } from './model.js';

/**
 * Istio's server-side security at the destination's sidecar (istio.io reference
 * security/peer_authentication and security/authorization-policy):
 *
 * - PeerAuthentication: the workload's policy (selector) over its namespace's (no selector) over the
 *   root namespace's; UNSET inherits; with none, PERMISSIVE. STRICT refuses plaintext.
 * - AuthorizationPolicy: CUSTOM, then DENY, then ALLOW: "If there are any DENY policies that match
 *   the request, deny the request. If there are no ALLOW policies for the workload, allow the
 *   request. If any of the ALLOW policies match the request, allow the request. Deny the request."
 *   Policies apply from the workload's namespace (all its workloads without a selector) and the
 *   root namespace (mesh-wide).
 * - `principals` and `namespaces` come from the peer's mTLS certificate: plaintext carries none, so
 *   a rule that names them never matches it (docs: "requires mutual TLS enabled").
 */

export interface ServerSide {
  readonly namespace: string;
  readonly labels: Labels;
}

/** Who is calling, as the server's sidecar sees it. */
export interface Peer {
  /** The SPIFFE principal (`cluster.local/ns/<ns>/sa/<sa>`) when the connection is Istio mTLS; undefined for plaintext. */
  readonly principal?: string;
  readonly namespace?: string;
}

export interface L7Verdict {
  readonly allowed: boolean;
  /** `allowed by AuthorizationPolicy shop/checkout rule 1`, `denied by AuthorizationPolicy shop/checkout (ALLOW policies, no rule matches)`. */
  readonly text: string;
  readonly policy?: { readonly namespace: string; readonly name: string };
}

export function peerAuthenticationMode(view: ClusterView, server: ServerSide): { mode: string; by?: PeerAuthentication } {
  if (view.peerAuthentications.length === 0) return { mode: 'PERMISSIVE' };
  // By identity of the labels (one object per pod template): the check asks for every call.
  const cache = view.memoised('pa cache', () => new Map<string, WeakMap<Labels, { mode: string; by?: PeerAuthentication }>>());
  let byLabels = cache.get(server.namespace);
  if (!byLabels) cache.set(server.namespace, (byLabels = new WeakMap()));
  let found = byLabels.get(server.labels);
  if (!found) byLabels.set(server.labels, (found = findPeerAuthentication(view, server)));
  return found;
}

function findPeerAuthentication(view: ClusterView, server: ServerSide): { mode: string; by?: PeerAuthentication } {
  const applies = (pa: PeerAuthentication) => pa.mode !== undefined && pa.mode !== 'UNSET';
  const sorted = (list: PeerAuthentication[]) => list.sort((a, b) => cmp(a.name, b.name));
  const workload = sorted(view.peerAuthentications.filter((pa) => pa.namespace === server.namespace && pa.selector && labelsInclude(server.labels, pa.selector) && applies(pa)))[0];
  const namespace = sorted(view.peerAuthentications.filter((pa) => pa.namespace === server.namespace && !pa.selector && applies(pa)))[0];
  const mesh = sorted(view.peerAuthentications.filter((pa) => pa.namespace === ROOT_NAMESPACE && !pa.selector && applies(pa)))[0];
  const by = workload ?? namespace ?? mesh;
  return { mode: by?.mode ?? 'PERMISSIVE', by };
}

/** The L7 verdict for a connection from `peer` to `server` on `port` (the port the pod receives: AuthorizationPolicy `ports`). */
export function l7Verdict(view: ClusterView, server: ServerSide, peer: Peer, port: number): L7Verdict {
  const { mode, by } = peerAuthenticationMode(view, server);
  if (mode === 'STRICT' && peer.principal === undefined) {
    return { allowed: false, text: `denied by PeerAuthentication ${by ? `${by.namespace}/${by.name}` : ''} (STRICT refuses plaintext)` };
  }
  const { denies, allows } = authorizationPoliciesFor(view, server);
  for (const ap of denies) {
    const rule = firstMatch(ap, peer, port);
    if (rule >= 0) return ruleVerdict(ap, rule);
  }
  if (allows.length === 0) return NO_ALLOW_POLICY;
  for (const ap of allows) {
    const rule = firstMatch(ap, peer, port);
    if (rule >= 0) return ruleVerdict(ap, rule);
  }
  const names = allows.map((ap) => `${ap.namespace}/${ap.name}`).join(', ');
  const plain = peer.principal === undefined ? '; the connection is plaintext, so it carries no principal' : '';
  return { allowed: false, policy: allows[0], text: `denied by AuthorizationPolicy ${names} (ALLOW: no rule matches ${peer.principal ?? 'a plaintext peer'} on port ${port}${plain})` };
}

const NO_ALLOW_POLICY: L7Verdict = { allowed: true, text: 'allowed: no ALLOW AuthorizationPolicy selects the workload' };

/** The AuthorizationPolicies that apply to a workload (its namespace's that select it, and the root namespace's), in order, DENY and ALLOW apart; by the identity of its labels (one object per pod template). */
function authorizationPoliciesFor(view: ClusterView, server: ServerSide): { readonly denies: readonly AuthorizationPolicy[]; readonly allows: readonly AuthorizationPolicy[] } {
  const cache = view.memoised('ap cache', () => new Map<string, WeakMap<Labels, { denies: AuthorizationPolicy[]; allows: AuthorizationPolicy[] }>>());
  let byLabels = cache.get(server.namespace);
  if (!byLabels) cache.set(server.namespace, (byLabels = new WeakMap()));
  let found = byLabels.get(server.labels);
  if (!found) {
    const byNamespace = view.memoised('ap by namespace', () => {
      const index = new Map<string, AuthorizationPolicy[]>();
      for (const ap of view.authorizationPolicies) index.set(ap.namespace, [...(index.get(ap.namespace) ?? []), ap]);
      return index;
    });
    const candidates = [...(byNamespace.get(server.namespace) ?? []), ...(server.namespace === ROOT_NAMESPACE ? [] : (byNamespace.get(ROOT_NAMESPACE) ?? []))];
    const policies = candidates.filter((ap) => !ap.selector || labelsInclude(server.labels, ap.selector)).sort((a, b) => cmp(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
    byLabels.set(server.labels, (found = { denies: policies.filter((p) => p.action === 'DENY'), allows: policies.filter((p) => p.action === 'ALLOW') }));
  }
  return found;
}

/** The verdict of a policy's rule that matched (made once per rule). */
function ruleVerdict(ap: AuthorizationPolicy, rule: number): L7Verdict {
  let verdicts = RULE_VERDICTS.get(ap);
  if (!verdicts) RULE_VERDICTS.set(ap, (verdicts = []));
  return (verdicts[rule] ??=
    ap.action === 'DENY'
      ? { allowed: false, policy: ap, text: `denied by AuthorizationPolicy ${ap.namespace}/${ap.name} rule ${rule + 1} (DENY)` }
      : { allowed: true, policy: ap, text: `allowed by AuthorizationPolicy ${ap.namespace}/${ap.name} rule ${rule + 1}` });
}
const RULE_VERDICTS = new WeakMap<AuthorizationPolicy, L7Verdict[]>();

/**
 * The first rule that matches, or -1. A rule matches when some `from` source and some `to` operation
 * match and every `when` holds; an empty rule matches everything. Request attributes (methods,
 * paths, hosts, `when`) are not known here: a rule that needs them is taken not to match (for
 * DENY as for ALLOW: fleet renders none).
 */
function firstMatch(ap: AuthorizationPolicy, peer: Peer, port: number): number {
  for (let i = 0; i < ap.rules.length; i++) if (ruleMatches(ap.rules[i], peer, port)) return i;
  return -1;
}

function ruleMatches(rule: Record<string, unknown>, peer: Peer, port: number): boolean {
  const from = rule.from as { source?: Record<string, string[]> }[] | undefined;
  const to = rule.to as { operation?: Record<string, string[]> }[] | undefined;
  if (rule.when && (rule.when as unknown[]).length > 0) return false;
  if (from && !from.some((f) => sourceMatches(f.source ?? {}, peer))) return false;
  if (to && !to.some((t) => operationMatches(t.operation ?? {}, port))) return false;
  return true;
}

function sourceMatches(source: Record<string, string[]>, peer: Peer): boolean {
  if (source.ipBlocks || source.remoteIpBlocks || source.requestPrincipals) return false;
  const namespace = peer.principal !== undefined ? peer.namespace : undefined;
  return among(source.principals, peer.principal) && notAmong(source.notPrincipals, peer.principal) && among(source.namespaces, namespace) && notAmong(source.notNamespaces, namespace);
}

/** A source field that lists values: the peer's value must match one (an absent value matches none); an unset field matches all. */
function among(patterns: readonly string[] | undefined, value: string | undefined): boolean {
  if (!patterns) return true;
  if (value === undefined) return false;
  for (const pattern of patterns) if (stringMatch(pattern, value)) return true;
  return false;
}

/** A `not*` field: the peer's value must match none; on an unauthenticated peer the value is absent, so it is not among them. */
function notAmong(patterns: readonly string[] | undefined, value: string | undefined): boolean {
  if (!patterns || value === undefined) return true;
  for (const pattern of patterns) if (stringMatch(pattern, value)) return false;
  return true;
}

function operationMatches(operation: Record<string, string[]>, port: number): boolean {
  if (operation.methods || operation.paths || operation.hosts) return false;
  if (operation.ports && !operation.ports.includes(String(port))) return false;
  if (operation.notPorts?.includes(String(port))) return false;
  return true;
}

/** Istio string match: exact, `prefix*`, `*suffix`, or `*` (any non-empty value). */
function stringMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return value !== '';
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

/** The principal Istio's mTLS proves for a workload identity. */
export function principalOf(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}
