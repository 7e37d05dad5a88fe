import { isIP } from 'node:net';
import type { DiagnosticBag, Span } from '../../diagnostics/diagnostic.js';
import type { App, ResolvedFleet } from '../../model/fleet.js';
import type { TrafficRuleSpec } from '../../model/spec.js';
import type { TrafficEdge } from '../../model/traffic.js';
import type { SourceMap } from '../1-load/index.js';
import { gatewayByAddress, type Topology } from '../4-place/topology.js';

/**
 * The traffic checks that need the placement, run before anything is rendered (and by `fleet
 * validate`): every destination runs somewhere; network policy can name every cross-cluster peer
 * by address (an error otherwise: the only other allow is to any address, which fleet never
 * writes); every version that takes traffic has replicas. Apps whose placement failed are
 * skipped: that error is already reported. Every caller reaches every destination cluster, directly
 * or through east-west gateways (Topology.outbound, after Istio's endpoint rule).
 */
export function checkTraffic(fleet: ResolvedFleet, topology: Topology, sourceMap: SourceMap, diagnostics: DiagnosticBag): void {
  const nameOf = (edge: TrafficEdge) => ('app' in edge.caller ? `\`${topology.apps.get(edge.caller.app)!.name}\`` : `gateway \`${edge.caller.ingress}\``);
  // Clusters without pod CIDRs that a policy must name, with the first reason found.
  const podCIDRsNeeded = new Map<string, string>();
  const unnamed = (cluster: string) => topology.clusters.get(cluster)!.podCIDRs.length === 0 && !podCIDRsNeeded.has(cluster);
  // Clusters whose east-west gateway has a host name, that an egress policy must name, with the first reason found.
  const gatewayAddressesNeeded = new Map<string, string>();
  /** Why a pod in `from` talks to pods in `to` directly: the same network, or no gateway on `to`'s. */
  const directly = (from: string, to: string) => {
    const network = topology.network(to);
    return topology.network(from) === network || network === '' || topology.network(from) === '' ? 'directly' : `directly (network \`${network}\` has no east-west gateway, so Istio sends to its pod IPs)`;
  };

  for (const destination of fleet.apps) {
    const edges = topology.callersOf(destination.id);
    if (edges.length === 0 || !topology.wasPlaced(destination.id)) continue;
    const there = topology.placed(destination.id);
    if (there.length === 0) {
      for (const rule of rulesOf(edges)) {
        diagnostics.error('traffic_destination_not_placed', `\`${destination.name}\` runs in no cluster (placement gave it no replicas), so rule \`${rule.name}\` has nothing to call`, sourceMap.valueSpan(rule, 'to'), [
          `give \`${destination.name}\` replicas, or remove the rule`,
        ]);
      }
      continue;
    }
    // Placed, but overrides scale it to zero wherever it runs: nothing answers until they stop (the mesh check then skips its calls).
    if (there.every((cluster) => topology.workloadOf(destination.id, cluster).replicas === 0)) {
      for (const rule of rulesOf(edges)) {
        diagnostics.warning(
          'traffic_destination_scaled_to_zero',
          `\`${destination.name}\` runs no pods: overrides scale it to 0 in every cluster it is placed in (${there.join(', ')}), so calls under rule \`${rule.name}\` fail (503 no healthy upstream)`,
          sourceMap.valueSpan(rule, 'to'),
          [`if it is scaled down on purpose, this is expected; otherwise remove the \`replicas: 0\` override for \`${destination.name}\``],
        );
      }
    }
    for (const edge of edges) {
      const callers = topology.callerClusters(edge);
      for (const here of callers) {
        const to = topology.outbound(here, there);
        for (const peer of to.pods.filter(unnamed)) podCIDRsNeeded.set(peer, `${nameOf(edge)} in ${here} calls \`${destination.name}\` in ${peer} ${directly(here, peer)} (rule \`${edge.rule.name}\`)`);
        for (const gateway of to.gateways) {
          if (!gatewayByAddress(gateway) && !gatewayAddressesNeeded.has(gateway.name))
            gatewayAddressesNeeded.set(gateway.name, `${nameOf(edge)} in ${here} calls \`${destination.name}\` through the east-west gateway of ${gateway.name} (rule \`${edge.rule.name}\`)`);
        }
      }
      for (const here of there) {
        const from = topology.inbound(here, callers, there);
        for (const peer of from.pods.filter(unnamed)) podCIDRsNeeded.set(peer, `\`${destination.name}\` in ${here} receives traffic of rule \`${edge.rule.name}\` ${directly(peer, here)} from pods in ${peer}`);
      }
    }
    checkVersions(destination, edges, there, topology, sourceMap, diagnostics);
    checkMeshBoundary(destination, edges, there, topology, sourceMap, diagnostics);
  }
  checkOutsideMesh(fleet, topology, sourceMap, diagnostics);

  for (const [name, reason] of podCIDRsNeeded) {
    const cluster = topology.clusters.get(name)!;
    diagnostics.error(
      'traffic_missing_pod_cidrs',
      `cluster \`${name}\` has no \`podCIDRs\`, but ${reason}; Calico can only name another cluster's pods by address, and fleet never opens a port to any address`,
      sourceMap.valueSpan(cluster.spec, 'name'),
      [`add \`podCIDRs: [...]\` to \`${name}\` (its pod address ranges)`],
    );
  }
  for (const [name, reason] of gatewayAddressesNeeded) {
    const cluster = topology.clusters.get(name)!;
    diagnostics.error(
      'traffic_gateway_host_name',
      `the east-west gateway of \`${name}\` is given by host name, but ${reason}; a Calico GlobalNetworkSet holds IP ranges only, and fleet never opens a port to any address`,
      sourceMap.valueSpan(
        cluster.spec.eastWestGateway!.addresses,
        cluster.eastWestGateway!.addresses.findIndex((a) => isIP(a) === 0),
      ),
      [`give \`eastWestGateway.addresses\` of \`${name}\` as IP addresses (the gateway's load balancer IPs)`],
    );
  }
}

/**
 * Every version a rule sends requests to (positive split weight, `match`, `mirror`) should have
 * replicas in each cluster that runs the app. Missing in some clusters: a warning, as Istio serves
 * those requests from other clusters. Missing everywhere: an error, as they would fail (503), except
 * for a mirror, whose copies are only dropped.
 */
function checkVersions(app: App, edges: readonly TrafficEdge[], there: readonly string[], topology: Topology, sourceMap: SourceMap, diagnostics: DiagnosticBag): void {
  if (app.versions.length === 0) return;
  const replicas = there.map((cluster) => {
    const { replicas: total, deployments } = topology.workloadOf(app.id, cluster);
    return { cluster, total, byVersion: new Map(deployments.map((d) => [d.version!, d.replicas])) };
  });
  for (const rule of rulesOf(edges)) {
    // Spans are looked up only for a diagnostic: the first lookup parses the spec again for positions.
    const routed = new Map<string, { span: () => Span | undefined; mirror: boolean }>();
    for (const [version, weight] of Object.entries(rule.split ?? {})) if (weight > 0) routed.set(version, { span: () => sourceMap.keySpan(rule.split!, version), mirror: false });
    for (const m of rule.match ?? []) if (!routed.has(m.version)) routed.set(m.version, { span: () => sourceMap.valueSpan(m, 'version'), mirror: false });
    if (rule.mirror && !routed.has(rule.mirror.version)) routed.set(rule.mirror.version, { span: () => sourceMap.valueSpan(rule.mirror!, 'version'), mirror: true });
    for (const [version, { span, mirror }] of routed) {
      const missing = replicas.filter((r) => (r.byVersion.get(version) ?? 0) === 0);
      if (missing.length === 0) continue;
      const listed = missing.slice(0, 5).map((r) => `${r.cluster} (${r.total} replica${r.total === 1 ? '' : 's'} of \`${app.name}\` there)`);
      const where = `${missing.length} of the ${replicas.length} clusters that run it: ${listed.join(', ')}${missing.length > listed.length ? ` and ${missing.length - listed.length} more` : ''}`;
      if (missing.length === replicas.length && !mirror) {
        diagnostics.error('traffic_version_not_running', `version \`${version}\` of \`${app.name}\` has no replicas in any cluster, so the requests rule \`${rule.name}\` sends to it fail`, span(), [
          `give the version \`replicas:\`, or give \`${app.name}\` more replicas`,
        ]);
      } else {
        diagnostics.warning(
          'traffic_version_without_replicas',
          `version \`${version}\` of \`${app.name}\` takes traffic from rule \`${rule.name}\` but has no replicas in ${where}; ${mirror ? 'copies mirrored there are dropped' : 'its requests from there are served by other clusters'}`,
          span(),
          [`give the version \`replicas: 1\`, or more replicas of \`${app.name}\` in those clusters`],
        );
      }
    }
  }
}

function rulesOf(edges: readonly TrafficEdge[]): TrafficRuleSpec[] {
  return [...new Map(edges.map((e) => [e.rule.name, e.rule])).values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * Calls across the mesh's edge (clusters with `mesh: none`, docs/traffic.md "Clusters without a
 * mesh"): a caller reaches only the destination pods Topology.reachableFrom allows, its own
 * cluster's outside the mesh, the mesh's inside it. An edge that leaves a caller cluster with none
 * is refused: the calls would fail (no endpoints; and an Istio caller's `ISTIO_MUTUAL` mTLS to a pod
 * without a sidecar fails its handshake, as Istio's docs say of DestinationRules that force mTLS).
 */
function checkMeshBoundary(destination: App, edges: readonly TrafficEdge[], there: readonly string[], topology: Topology, sourceMap: SourceMap, diagnostics: DiagnosticBag): void {
  for (const edge of edges) {
    const stranded = topology.callerClusters(edge).filter((here) => topology.reachableFrom(here, there).length === 0);
    if (stranded.length === 0) continue;
    const caller = 'app' in edge.caller ? `\`${topology.apps.get(edge.caller.app)!.name}\`` : `gateway \`${edge.caller.ingress}\``;
    const here = stranded[0];
    const more = stranded.length > 1 ? ` (and in ${stranded.length - 1} more cluster(s): ${stranded.slice(1, 4).join(', ')}${stranded.length > 4 ? ', …' : ''})` : '';
    const why = topology.inMesh(here)
      ? `${here} is in the Istio mesh and \`${destination.name}\` runs only outside it (${there.join(', ')}): istiod has no endpoints of clusters outside the mesh, and mTLS to a pod without a sidecar fails`
      : `${here} runs no mesh (\`mesh: none\`), where a Service has only its own cluster's endpoints, and \`${destination.name}\` does not run in ${here}`;
    diagnostics.error('traffic_across_mesh_boundary', `${caller} in ${here}${more} cannot reach \`${destination.name}\` (rule \`${edge.rule.name}\`): ${why}`, sourceMap.valueSpan(edge.rule, 'to'), [
      `run \`${destination.name}\` in ${here} too, or put the callers' and the destination's clusters on the same side of the mesh (\`mesh\` on each cluster, \`mesh.provider\` for the fleet)`,
    ]);
  }
}

/** Traffic-rule fields only Istio's sidecars carry out (a plain Service balances connections and nothing more). */
const ISTIO_ONLY_FIELDS = ['split', 'match', 'retries', 'timeout', 'fault', 'mirror', 'failover', 'outlierDetection', 'connectionPool', 'tls', 'locality'] as const;

/**
 * What needs Istio where there is none: an ingress gateway (an Istio Gateway and its
 * VirtualService) in a cluster outside the mesh, and a traffic rule's routing fields for a caller
 * there, whose requests no sidecar would route, retry or split. Errors, located at the field:
 * silently ignoring them would send traffic where the rule says it must not go.
 */
function checkOutsideMesh(fleet: ResolvedFleet, topology: Topology, sourceMap: SourceMap, diagnostics: DiagnosticBag): void {
  if (fleet.clusters.every((c) => c.mesh === 'istio')) return;
  for (const gateway of topology.graph.gateways) {
    const outside = gateway.clusters.filter((c) => !topology.inMesh(c));
    if (outside.length === 0) continue;
    diagnostics.error(
      'traffic_gateway_outside_mesh',
      `gateway \`${gateway.name}\` runs in ${outside.join(', ')}, which run${outside.length === 1 ? 's' : ''} no mesh (\`mesh: none\`); fleet's gateways are Istio ingress gateways`,
      sourceMap.valueSpan(gateway.spec, gateway.spec.clusters ? 'clusters' : 'name'),
      ["select only clusters that run Istio in the gateway's `clusters`, or expose the app there with a patch (a Service of `type: LoadBalancer`) or a manifest (an Ingress)"],
    );
  }
  const outsideByRule = new Map<TrafficRuleSpec, Set<string>>();
  for (const edge of topology.graph.edges) {
    for (const cluster of topology.callerClusters(edge)) {
      if (topology.inMesh(cluster)) continue;
      if (!outsideByRule.has(edge.rule)) outsideByRule.set(edge.rule, new Set());
      outsideByRule.get(edge.rule)!.add(cluster);
    }
  }
  for (const rule of fleet.traffic) {
    const written = ISTIO_ONLY_FIELDS.filter((field) => rule[field] !== undefined);
    if (written.length === 0) continue;
    const outside = [...(outsideByRule.get(rule) ?? [])].sort();
    if (outside.length === 0) continue;
    diagnostics.error(
      'traffic_needs_mesh',
      `rule \`${rule.name}\` sets \`${written[0]}\`, which Istio's sidecars carry out, but its callers also run in ${outside.join(', ')}, outside the mesh (\`mesh: none\`), where nothing would`,
      sourceMap.keySpan(rule, written[0]),
      ['keep routing fields on rules whose callers run in the mesh; split the rule, or place its callers in clusters that run Istio'],
    );
  }
}
