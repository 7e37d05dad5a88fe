import type { KubeObject } from '../../../model/manifest.js';
import { deepEqual } from '../fields.js';
import { calicoRuleIdentity } from '../list-identity.js';
import { objectLabel, type Attention, type ObjectChange } from '../model.js';
import type { TreeIndex } from '../objects.js';
import { isKind, runsOn, specOf, type Detector } from './detector.js';

/**
 * Network and authorization policy that lets more traffic through than before:
 * - Calico (projectcalico.org/v3 NetworkPolicy, GlobalNetworkPolicy): an Allow rule added or
 *   changed, a Deny rule removed, the policy's scope or order changed while it allows traffic;
 * - Istio AuthorizationPolicy (security.istio.io/v1): an ALLOW rule added or changed, a DENY rule
 *   or policy removed, the action changed, or the last ALLOW policy of a namespace removed (Istio
 *   then allows every request).
 * Narrowing (fewer allows, more denies) is not reported, nor policies removed with their app.
 */
export const policyWidening: Detector = ({ changes, after }) => {
  const findings: Attention[] = [];
  for (const c of changes) {
    if (c.action === 'remove' && c.app && !runsOn(after, c.cluster, c.app)) continue; // the app left: nothing to protect
    const calico = isKind(c, 'projectcalico.org', 'NetworkPolicy', 'GlobalNetworkPolicy');
    const reasons = calico ? calicoWidening(c.before, c.after) : isKind(c, 'security.istio.io', 'AuthorizationPolicy') ? authorizationWidening(c, after) : [];
    if (reasons.length === 0) continue;
    findings.push({ kind: 'policy-widening', cluster: c.cluster, subject: objectLabel(c), message: reasons.join('; '), specPath: c.specPath, keys: [c.key] });
  }
  return findings;
};

type Rule = Record<string, any>;
const DIRECTIONS = ['ingress', 'egress'] as const;

function calicoWidening(before: KubeObject | undefined, after: KubeObject | undefined): string[] {
  const [b, a] = [specOf(before), specOf(after)];
  const rules = (spec: Record<string, any>, direction: string): Rule[] => (Array.isArray(spec[direction]) ? spec[direction] : []);
  if (!after) {
    const denies = DIRECTIONS.flatMap((d) =>
      rules(b, d)
        .filter((r) => r.action === 'Deny')
        .map((r) => `${d} ${describeCalicoRule(r, d)}`),
    );
    return denies.length > 0 ? [`is removed with its Deny rules: ${denies.join(', ')}`] : [];
  }
  const reasons: string[] = [];
  for (const direction of DIRECTIONS) {
    const [old, now] = [rules(b, direction), rules(a, direction)];
    // Rules are compared by what they match and do (list-identity.ts): a rule whose only change is
    // its `metadata` (a renamed traffic rule) lets nothing more through.
    const [oldIds, nowIds] = [new Set(old.map(calicoRuleIdentity)), new Set(now.map(calicoRuleIdentity))];
    for (const rule of now) {
      if (rule.action === 'Allow' && !oldIds.has(calicoRuleIdentity(rule))) reasons.push(`${before ? `${direction} rule added or changed: ` : `${direction} `}allows ${describeCalicoRule(rule, direction)}`);
    }
    for (const rule of old) {
      if (rule.action === 'Deny' && !nowIds.has(calicoRuleIdentity(rule))) reasons.push(`${direction} rule that denied ${describeCalicoRule(rule, direction)} is removed`);
    }
    if (before && allowMovedAhead(old, now)) {
      reasons.push(`${direction} rules are reordered: an Allow rule now comes before a Deny or Pass rule it came after, and the first match decides`);
    }
  }
  if (before && DIRECTIONS.some((d) => rules(a, d).some((r) => r.action === 'Allow'))) {
    for (const field of ['selector', 'namespaceSelector', 'serviceAccountSelector']) {
      if (b[field] !== a[field]) reasons.push(`${field} is now \`${a[field] ?? 'all()'}\` (was \`${b[field] ?? 'all()'}\`)`);
    }
    if (b.order !== a.order) reasons.push(`order ${b.order ?? 'unset'} → ${a.order ?? 'unset'} (changes which policy decides first)`);
  }
  if (before) {
    const types = (spec: Record<string, any>): string[] => (Array.isArray(spec.types) ? spec.types : []);
    for (const type of types(b)) if (!types(a).includes(type)) reasons.push(`no longer governs ${type.toLowerCase()} traffic`);
  }
  return reasons;
}

/**
 * Whether an Allow rule now comes before a Deny or Pass rule that came before it: Calico applies
 * the first rule that matches with Allow, Deny or Pass (rules are an ordered list), so traffic both
 * match was stopped and now passes. Only rules on both sides count; a Deny moved up narrows.
 */
function allowMovedAhead(old: readonly Rule[], now: readonly Rule[]): boolean {
  const position = (rules: readonly Rule[]) => new Map(rules.map((r, i) => [calicoRuleIdentity(r), i]));
  const [was, is] = [position(old), position(now)];
  const shared = now.filter((r) => was.has(calicoRuleIdentity(r)));
  const at = (r: Rule, where: Map<string | undefined, number>) => where.get(calicoRuleIdentity(r))!;
  return shared.some((allow) => allow.action === 'Allow' && shared.some((stop) => (stop.action === 'Deny' || stop.action === 'Pass') && at(stop, was) < at(allow, was) && at(allow, is) < at(stop, is)));
}

/** `TCP from \`app == 'web'\` on ports 9090`; a peer with no restriction at all is `anywhere`. */
function describeCalicoRule(rule: Rule, direction: (typeof DIRECTIONS)[number]): string {
  const peer: Rule = (direction === 'ingress' ? rule.source : rule.destination) ?? {};
  const restrictions = [
    peer.selector && `\`${peer.selector}\``,
    peer.notSelector && `not \`${peer.notSelector}\``,
    peer.namespaceSelector && `namespaces \`${peer.namespaceSelector}\``,
    Array.isArray(peer.nets) && `nets ${peer.nets.join(', ')}${peer.nets.some(isAnywhere) ? ' (anywhere)' : ''}`,
    Array.isArray(peer.notNets) && `not nets ${peer.notNets.join(', ')}`,
    Array.isArray(peer.serviceAccounts?.names) && `service accounts ${peer.serviceAccounts.names.join(', ')}`,
    peer.serviceAccounts?.selector && `service accounts \`${peer.serviceAccounts.selector}\``,
    peer.services && `service ${peer.services.namespace ? `${peer.services.namespace}/` : ''}${peer.services.name}`,
  ].filter(Boolean);
  const ports = rule.destination?.ports;
  return [rule.protocol, `${direction === 'ingress' ? 'from' : 'to'} ${restrictions.length ? restrictions.join(' ') : 'anywhere'}`, Array.isArray(ports) && `on ports ${ports.join(', ')}`].filter(Boolean).join(' ');
}

function isAnywhere(net: unknown): boolean {
  return net === '0.0.0.0/0' || net === '::/0';
}

function authorizationWidening(change: ObjectChange, after: TreeIndex): string[] {
  const action = (o: KubeObject | undefined) => String(specOf(o).action ?? 'ALLOW');
  const rules = (o: KubeObject | undefined): Rule[] => (Array.isArray(specOf(o).rules) ? specOf(o).rules : []);
  const { before: b, after: a } = change;
  if (!a) {
    if (action(b) === 'DENY') return ['is removed: its DENY rules no longer apply'];
    if (action(b) === 'ALLOW' && !otherAllowPolicy(change, after)) {
      return [`is removed and no other ALLOW policy is left in namespace \`${change.namespace ?? 'istio-system'}\`: Istio allows every request to its workloads`];
    }
    return [];
  }
  const reasons: string[] = [];
  if (b && action(b) !== action(a)) reasons.push(`action ${action(b)} → ${action(a)}`);
  if (action(a) === 'ALLOW') {
    for (const rule of rules(a)) if (!rules(b).some((r) => deepEqual(r, rule))) reasons.push(`${b ? 'rule added or changed: ' : ''}allows ${describeAuthorizationRule(rule)}`);
  }
  if (b && action(b) === 'DENY') {
    for (const rule of rules(b)) if (!rules(a).some((r) => deepEqual(r, rule))) reasons.push(`DENY rule for ${describeAuthorizationRule(rule)} is removed`);
  }
  if (b && !deepEqual(specOf(b).selector, specOf(a).selector)) {
    reasons.push(`now selects ${JSON.stringify(specOf(a).selector?.matchLabels ?? 'every workload')} (was ${JSON.stringify(specOf(b).selector?.matchLabels ?? 'every workload')})`);
  }
  return reasons;
}

/** Whether the cluster still has an ALLOW AuthorizationPolicy in the namespace (or the mesh root namespace). */
function otherAllowPolicy(change: ObjectChange, after: TreeIndex): boolean {
  return after
    .objectsOf(change.cluster, 'AuthorizationPolicy')
    .some((o) => (o.object.metadata.namespace === change.namespace || o.object.metadata.namespace === 'istio-system') && String(specOf(o.object).action ?? 'ALLOW') === 'ALLOW');
}

/** `from principals cluster.local/ns/shop/sa/web to ports 9090`; no `from` is `any source`. */
function describeAuthorizationRule(rule: Rule): string {
  const list = (field: string, values: unknown) => (Array.isArray(values) && values.length ? `${field} ${values.join(', ')}` : undefined);
  const sources = (Array.isArray(rule.from) ? rule.from : []).map((f: Rule) => {
    const s: Rule = f?.source ?? {};
    return ['principals', 'notPrincipals', 'requestPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks']
      .map((k) => list(k, s[k]))
      .filter(Boolean)
      .join(' ');
  });
  const operations = (Array.isArray(rule.to) ? rule.to : []).map((t: Rule) => {
    const o: Rule = t?.operation ?? {};
    return ['hosts', 'ports', 'methods', 'paths', 'notPorts', 'notMethods', 'notPaths']
      .map((k) => list(k, o[k]))
      .filter(Boolean)
      .join(' ');
  });
  const from = sources.filter(Boolean).length ? `from ${sources.filter(Boolean).join(' or ')}` : 'from any source';
  const to = operations.filter(Boolean).length ? ` to ${operations.filter(Boolean).join(' or ')}` : '';
  const when = Array.isArray(rule.when) && rule.when.length ? ` when ${rule.when.length} condition(s) hold` : '';
  return `${from}${to}${when}`;
}
