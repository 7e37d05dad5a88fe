import type { Construct } from 'constructs';
import type { App } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import { selectorLabels } from '../labels.js';
import { FleetObject } from '../fleet-object.js';
import type { Topology } from '../../4-place/topology.js';
import { principalOf } from './identity.js';

/**
 * The AuthorizationPolicy of a destination (R7), in every cluster where it runs: ALLOW, one rule per
 * traffic rule to it, naming the callers by their mTLS identity (SPIFFE principal) and the
 * destination's ports as its pods receive them (target ports). Once an ALLOW policy selects a
 * workload, Istio denies every request no rule matches, so identity is enforced in each cluster,
 * also for callers in other clusters that Calico can only tell apart by address.
 */
export function renderAuthorizationPolicy(scope: Construct, app: App, topology: Topology, labels: Record<string, string>, source: ManifestSource): void {
  const byRule = new Map<string, { principals: Set<string>; ports: readonly string[] }>();
  for (const edge of topology.callersOf(app.id)) {
    let rule = byRule.get(edge.rule.name);
    if (!rule) byRule.set(edge.rule.name, (rule = { principals: new Set(), ports: edge.ports }));
    rule.principals.add(principalOf(topology.identityOf(edge.caller)));
  }
  const targetPort = (name: string) => String(app.ports.find((p) => p.name === name)!.targetPort);
  const rules = [...byRule]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, rule]) => ({ from: [{ source: { principals: [...rule.principals].sort() } }], to: [{ operation: { ports: rule.ports.map(targetPort) } }] }));
  allowPolicy(scope, app, rules, labels, source);
}

/**
 * The AuthorizationPolicy of an app with ports that no rule lets anyone call, where it runs: ALLOW
 * with no rules, selecting the app's pods. An ALLOW policy that matches nothing denies every request
 * to the workloads it selects ("allow-nothing": istio/api security/v1beta1/authorization_policy.proto,
 * evaluation rules 3-5), so the app is closed at L7 as Calico's default deny closes it at L4. Kubelet
 * probes are not affected: Istio rewrites them to the sidecar agent (port 15020).
 */
export function renderAllowNothingPolicy(scope: Construct, app: App, labels: Record<string, string>, source: ManifestSource): void {
  allowPolicy(scope, app, undefined, labels, source);
}

/** The app's ALLOW AuthorizationPolicy, selecting its pods; without `rules` it allows nothing. */
function allowPolicy(scope: Construct, app: App, rules: readonly unknown[] | undefined, labels: Record<string, string>, source: ManifestSource): void {
  new FleetObject(
    scope,
    `AuthorizationPolicy/${app.namespace}/${app.name}`,
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: app.name, namespace: app.namespace, labels },
      spec: { selector: { matchLabels: selectorLabels(app) }, action: 'ALLOW', ...(rules ? { rules } : {}) },
    },
    source,
  );
}
