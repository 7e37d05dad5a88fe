import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { Cluster, ResolvedFleet } from '../../model/fleet.js';
import type { SourceMap } from '../1-load/index.js';
import type { Topology } from '../4-place/topology.js';

/** How many denying clusters a warning names before it counts the rest. */
const LISTED = 3;

/**
 * Apps nothing may call (docs/traffic.md, "Apps nothing calls"): an app with ports that no traffic
 * rule names as `to` (so no app and no ingress gateway may call it) is a warning at its `ports`,
 * unless it says it means it (`callers: none`). A rule to the app that lets no caller in (its
 * selector matches no app) is reported at the rule, not here. Only where something denies the
 * calls: some cluster the app runs in renders fleet's default deny, Istio's allow-nothing
 * AuthorizationPolicy (`mesh: istio`; istio/api authorization_policy.proto: an ALLOW policy that
 * matches nothing denies every request) or a network policy default deny (`calico` or
 * `kubernetes`). Apps whose placement failed run nowhere here: that error is already reported.
 */
export function checkUncalledApps(fleet: ResolvedFleet, topology: Topology, sourceMap: SourceMap, diagnostics: DiagnosticBag): void {
  // Traffic rules name apps by name, which is unique across the fleet.
  const named = new Set(fleet.traffic.map((rule) => rule.to));
  for (const app of fleet.apps) {
    if (app.ports.length === 0 || app.spec.callers === 'none' || named.has(app.name)) continue;
    const there = topology.placed(app.id);
    const denying = there.filter((name) => denies(topology.clusters.get(name)!));
    if (denying.length === 0) continue;
    const listed = denying.slice(0, LISTED).join(', ') + (denying.length > LISTED ? ` and ${denying.length - LISTED} more` : '');
    diagnostics.warning(
      'traffic_app_uncalled',
      `app \`${app.id}\` has ports but no traffic rule lets anything call it: behind fleet's default deny it is unreachable${denying.length < there.length ? ` in ${listed}` : ''}`,
      sourceMap.keySpan(app.spec, 'ports'),
      [`add a traffic rule with \`to: ${app.name}\`, or write \`callers: none\` on the app if it is meant to take no calls`],
    );
  }
}

/** Whether fleet renders a default deny in a cluster: Istio's allow-nothing policy, or a network policy default deny. */
function denies(cluster: Cluster): boolean {
  return cluster.mesh === 'istio' || cluster.networkPolicy !== 'none';
}
