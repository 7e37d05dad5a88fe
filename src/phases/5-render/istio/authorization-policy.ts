import type { Construct } from 'constructs';
import type { App } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import { selectorLabels } from '../labels.js';
import { FleetObject } from '../fleet-object.js';
import type { Topology } from '../topology.js';
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
  new FleetObject(
    scope,
    `AuthorizationPolicy/${app.namespace}/${app.name}`,
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: app.name, namespace: app.namespace, labels },
      spec: { selector: { matchLabels: selectorLabels(app) }, action: 'ALLOW', rules },
    },
    source,
  );
}
